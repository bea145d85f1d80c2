using ILGPU;
using ILGPU.Runtime;

namespace Cacophony.Kernels.Gpu;

public static class ViewExtensions
{
    /// <summary>The view from `offset` to its end (ILGPU's SubView always takes a length).</summary>
    public static ArrayView<T> From<T>(this ArrayView<T> view, long offset) where T : unmanaged => view.SubView(offset, view.Length - offset);

    /// <summary>The same for a buffer's dense 1-D view.</summary>
    public static ArrayView<T> From<T>(this ArrayView1D<T, Stride1D.Dense> view, long offset) where T : unmanaged => ((ArrayView<T>)view).From(offset);
}
