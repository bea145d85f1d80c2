#!/usr/bin/env bash
# Starts a single-node Slurm cluster on this machine for the cluster tests: Debian's slurm-wlm and munge, a
# munge key, and a slurm.conf (cluster "cacophony") with this machine's CPUs and memory, its state and logs under
# one directory. Prints the slurm.conf path as the last line (export it as SLURM_CONF); exits non-zero, saying
# why, when the cluster cannot start (the tests that need it then skip with that reason).
set -euo pipefail
state=${1:-/tmp/cacophony-slurm}

if ! command -v slurmctld >/dev/null 2>&1 || ! command -v munged >/dev/null 2>&1; then
  command -v apt-get >/dev/null 2>&1 || { echo "slurm-wlm and munge are not installed and there is no apt-get" >&2; exit 1; }
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -qq --no-install-recommends slurm-wlm munge >/dev/null 2>&1 \
    || { apt-get update -qq >/dev/null 2>&1 && apt-get install -y -qq --no-install-recommends slurm-wlm munge >/dev/null 2>&1; } \
    || { echo "could not install slurm-wlm and munge" >&2; exit 1; }
fi
[ "$(id -u)" -eq 0 ] || { echo "starting slurmd needs root" >&2; exit 1; }

mkdir -p "$state"/{spool,state,log} /run/munge /etc/munge /var/lib/munge /var/log/munge
# munge: one key for the node; the daemon runs as root here (--force), the socket in /run/munge.
[ -s /etc/munge/munge.key ] || dd if=/dev/urandom of=/etc/munge/munge.key bs=1024 count=1 status=none
chmod 400 /etc/munge/munge.key
if ! pgrep -x munged >/dev/null; then
  munged --force >/dev/null 2>&1 || { echo "munged did not start" >&2; exit 1; }
fi

host=$(hostname -s)
cpus=$(nproc)
memory=$(( $(awk '/MemTotal/ {print $2}' /proc/meminfo) / 1024 - 1024 ))
conf="$state/slurm.conf"
cat >"$conf" <<CONF
ClusterName=cacophony
SlurmctldHost=$host
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
MpiDefault=none
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
ReturnToService=2
JobRequeue=1
MinJobAge=600
StateSaveLocation=$state/state
SlurmdSpoolDir=$state/spool
SlurmctldPidFile=$state/slurmctld.pid
SlurmdPidFile=$state/slurmd.pid
SlurmctldLogFile=$state/log/slurmctld.log
SlurmdLogFile=$state/log/slurmd.log
NodeName=$host CPUs=$cpus RealMemory=$memory State=UNKNOWN
PartitionName=local Nodes=$host Default=YES MaxTime=INFINITE State=UP
CONF
export SLURM_CONF="$conf"

# A cluster this script started before is stopped first, so that it reads the new configuration.
for daemon in slurmctld slurmd; do
  if [ -s "$state/$daemon.pid" ]; then kill "$(cat "$state/$daemon.pid")" 2>/dev/null || true; fi
done
sleep 1
slurmctld -i >/dev/null 2>&1 || { echo "slurmctld did not start: $(tail -n 3 "$state/log/slurmctld.log" 2>/dev/null)" >&2; exit 1; }
slurmd >/dev/null 2>&1 || { echo "slurmd did not start: $(tail -n 3 "$state/log/slurmd.log" 2>/dev/null)" >&2; exit 1; }

for _ in $(seq 1 30); do
  if sinfo -h -o '%T' 2>/dev/null | grep -qE '^(idle|mixed|allocated)'; then
    echo "$conf"
    exit 0
  fi
  sleep 1
done
echo "the Slurm node did not come up: $(sinfo -h 2>&1 | head -n 1); $(tail -n 3 "$state/log/slurmd.log" 2>/dev/null)" >&2
exit 1
