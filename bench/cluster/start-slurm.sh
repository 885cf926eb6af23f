#!/bin/sh
# A one-node Slurm (no systemd, no cgroups, no accounting) to run bench/cluster/ocr-array.sh
# for real: starts munged, slurmctld and slurmd from a private state folder, submits a 4-task
# array over IN_DIR, waits, checks the merged output tree equals a single-process run, and
# stops the daemons it started. Needs root and Debian's slurm-wlm and munge
# (apt-get install slurm-wlm munge). Not part of CI: the array script is tested there with
# the SLURM_ARRAY_* variables set by hand (tests/tools/cluster_cli_test.cpp).
#
#   bench/cluster/start-slurm.sh IN_DIR [ocr recognize options...]
#
# OCR names the binary (default build/ocr); STATE the state folder (default /tmp/ocr-slurm).
set -eu
if [ $# -lt 1 ]; then
  echo "usage: bench/cluster/start-slurm.sh IN_DIR [ocr recognize options...]" >&2
  exit 2
fi
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
in=$(cd "$1" && pwd)
shift
OCR=$(realpath "${OCR:-$root/build/ocr}")
export OCR
STATE=${STATE:-/tmp/ocr-slurm}
rm -rf "$STATE"
mkdir -p "$STATE/ctld" "$STATE/d" "$STATE/munge" "$STATE/out"
chmod 755 "$STATE"
host=$(hostname -s)
cpus=$(nproc)

# munged wants a socket folder only it may write to and all may enter.
chown munge:munge "$STATE/munge"
chmod 755 "$STATE/munge"
MUNGE_SOCKET=$STATE/munge/munge.socket
runuser -u munge -- /usr/sbin/munged --socket="$MUNGE_SOCKET" --pid-file="$STATE/munge/munged.pid" \
  --log-file="$STATE/munge/munged.log" --seed-file="$STATE/munge/munged.seed" --key-file=/etc/munge/munge.key

cat >"$STATE/slurm.conf" <<CONF
ClusterName=ocrtest
SlurmctldHost=$host
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$MUNGE_SOCKET
CredType=cred/munge
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SwitchType=switch/none
MpiDefault=none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
ReturnToService=2
StateSaveLocation=$STATE/ctld
SlurmdSpoolDir=$STATE/d
SlurmctldPidFile=$STATE/slurmctld.pid
SlurmdPidFile=$STATE/slurmd.pid
SlurmctldLogFile=$STATE/slurmctld.log
SlurmdLogFile=$STATE/slurmd.log
SlurmctldPort=6817
SlurmdPort=6818
NodeName=$host CPUs=$cpus State=UNKNOWN
PartitionName=local Nodes=ALL Default=YES MaxTime=INFINITE State=UP OverSubscribe=YES
CONF
export SLURM_CONF=$STATE/slurm.conf

# Stops the daemons this script started (by their pid files) and waits until they are gone, so
# the ports are free for the next run.
stop() {
  pids=""
  for f in "$STATE/slurmd.pid" "$STATE/slurmctld.pid" "$STATE/munge/munged.pid"; do
    [ -f "$f" ] && pids="$pids $(cat "$f")"
  done
  for p in $pids; do kill "$p" 2>/dev/null || true; done
  for _ in 1 2 3 4 5 6 7 8 9 10; do
    alive=""
    for p in $pids; do kill -0 "$p" 2>/dev/null && alive=1; done
    [ -z "$alive" ] && return 0
    sleep 1
  done
}
trap stop EXIT

/usr/sbin/slurmctld -f "$SLURM_CONF"
/usr/sbin/slurmd -f "$SLURM_CONF"
# The node registers within seconds; give up after a minute with the daemons' logs.
i=0
until sinfo -h -o %T 2>/dev/null | grep -q idle; do
  i=$((i + 1))
  if [ $i -gt 60 ]; then
    echo "start-slurm.sh: the node never became idle" >&2
    sinfo >&2 || true
    tail -n 20 "$STATE/slurmctld.log" "$STATE/slurmd.log" >&2
    exit 1
  fi
  sleep 1
done
sinfo

cd "$STATE"
sbatch --wait --array=0-3 --cpus-per-task=1 --output="$STATE/ocr-%A_%a.log" \
  "$here/ocr-array.sh" "$in" "$STATE/out" "$@"
cat "$STATE"/ocr-*.log

"$OCR" recognize --recursive --no-progress --output-dir "$STATE/single" "$@" "$in"
if diff -r "$STATE/single" "$STATE/out" >/dev/null; then
  echo "start-slurm.sh: the 4-task array wrote exactly the single run's $(find "$STATE/out" -type f | wc -l) outputs"
else
  echo "start-slurm.sh: the array's outputs differ from the single run's" >&2
  diff -r "$STATE/single" "$STATE/out" >&2 || true
  exit 1
fi

# A lost output: the whole array resubmitted redoes that one input and skips the rest.
lost=$(find "$STATE/out" -type f | sort | head -n 1)
rm "$lost"
rm -f "$STATE"/ocr-*.log
sbatch --wait --array=0-3 --cpus-per-task=1 --output="$STATE/ocr-%A_%a.log" \
  "$here/ocr-array.sh" "$in" "$STATE/out" "$@"
cat "$STATE"/ocr-*.log
if diff -r "$STATE/single" "$STATE/out" >/dev/null; then
  echo "start-slurm.sh: the resubmitted array rewrote the lost $lost and left the rest"
else
  echo "start-slurm.sh: the array's outputs differ from the single run's" >&2
  diff -r "$STATE/single" "$STATE/out" >&2 || true
  exit 1
fi
