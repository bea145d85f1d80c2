#!/usr/bin/env bash
# Runs a cacophony command on a Slurm cluster as a job array of N shards and a merge that starts when every
# shard has succeeded (--dependency=afterok). Prints the two job ids.
#
#   tools/cluster/slurm/submit.sh N OUT_DIR -- COMMAND ARGS...
#   tools/cluster/slurm/submit.sh 16 /shared/vgg -- zeroshot --model /shared/model --dataset vggsound \
#       --root /shared/VGGSound --out /shared/vgg
#
# OUT_DIR is the folder the command writes (--out for evaluations, hear and the folder of embed-audio's or
# index build's --out file); the parts go to OUT_DIR/parts. Paths must be the same on every node (shared
# storage). Environment: CACOPHONY (the binary; default cacophony on PATH), CACOPHONY_SBATCH (more sbatch
# options for both jobs: --partition, --account, --time, --output ...), CACOPHONY_CPUS (CPUs per shard, 2).
set -euo pipefail
if [ $# -lt 4 ] || [ "$3" != "--" ]; then
  echo "usage: $0 SHARDS OUT_DIR -- COMMAND ARGS..." >&2
  exit 2
fi
shards=$1 out=$2
shift 3
case $shards in '' | *[!0-9]* | 0) echo "error: SHARDS must be a positive number, not '$shards'" >&2; exit 2 ;; esac
here=$(cd "$(dirname "$0")" && pwd)
options=(${CACOPHONY_SBATCH:-})
cpus=${CACOPHONY_CPUS:-2}

array=$(sbatch --parsable "${options[@]}" --cpus-per-task="$cpus" --array="0-$((shards - 1))" "$here/shard.sbatch" "$@")
array=${array%%;*}
merge=$(sbatch --parsable "${options[@]}" --cpus-per-task="$cpus" --dependency="afterok:$array" --kill-on-invalid-dep=yes "$here/merge.sbatch" "$out")
merge=${merge%%;*}
echo "$array $merge"
echo "shards: job array $array (0-$((shards - 1))); merge: job $merge, after all shards succeed" >&2
