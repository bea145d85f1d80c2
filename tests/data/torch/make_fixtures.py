"""Writes strided_zip64.pt, a torch.save-style zip that the golden checkpoint does not exercise.

Run once with any Python 3 (no torch needed); the output is committed. The pickle is assembled opcode by
opcode, as torch.save (protocol 2) writes it:

    {"state_dict": OrderedDict(
        a = HalfStorage "0" [1, 2, 3, 4, 5, 6], offset 0, size (2, 3), stride (1, 2)   # a transposed view
        b = BFloat16Storage "1" [0.5, -1, 2, 8], offset 1, size (3,), stride (1,)
        c = Parameter(FloatStorage "2" [3.25, -0.125], size (2,), stride (1,)))}

Every zip entry carries Zip64 extra fields (force_zip64), as PyTorch's writer does for large files.
"""
import struct
import zipfile

def s(text):
    data = text.encode()
    return b"X" + struct.pack("<I", len(data)) + data

def ints(*values):
    out = b"("
    for v in values:
        out += b"K" + bytes([v])
    return out + b"t"

def tensor(storage_type, key, numel, offset, size, stride, parameter=False):
    out = b""
    if parameter:
        out += b"ctorch._utils\n_rebuild_parameter\n"
    out += b"ctorch._utils\n_rebuild_tensor_v2\n("
    out += b"(" + s("storage") + b"ctorch\n" + storage_type.encode() + b"\n" + s(key) + s("cpu") + b"K" + bytes([numel]) + b"tQ"
    out += b"K" + bytes([offset]) + ints(*size) + ints(*stride) + b"\x89" + b"ccollections\nOrderedDict\n)R" + b"tR"
    if parameter:
        out += b"\x88ccollections\nOrderedDict\n)R\x87R"
    return out

pickle = b"\x80\x02}" + s("state_dict") + b"ccollections\nOrderedDict\n)R("
pickle += s("a") + tensor("HalfStorage", "0", 6, 0, (2, 3), (1, 2))
pickle += s("b") + tensor("BFloat16Storage", "1", 4, 1, (3,), (1,))
pickle += s("c") + tensor("FloatStorage", "2", 2, 0, (2,), (1,), parameter=True)
pickle += b"u" + b"s."

half = struct.pack("<6e", 1, 2, 3, 4, 5, 6)
bf16 = b"".join(struct.pack("<f", v)[2:] for v in (0.5, -1, 2, 8))
f32 = struct.pack("<2f", 3.25, -0.125)

with zipfile.ZipFile("strided_zip64.pt", "w", compression=zipfile.ZIP_STORED) as z:
    for name, data in [("archive/data.pkl", pickle), ("archive/byteorder", b"little"),
                       ("archive/data/0", half), ("archive/data/1", bf16), ("archive/data/2", f32),
                       ("archive/version", b"3\n")]:
        with z.open(zipfile.ZipInfo(name, (1980, 1, 1, 0, 0, 0)), "w", force_zip64=True) as f:
            f.write(data)
