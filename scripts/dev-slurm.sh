#!/usr/bin/env bash
# A real one-node Slurm cluster on loopback, for tests and for trying `executor: slurm` by hand:
#
#   scripts/dev-slurm.sh up [DIR]      writes DIR/slurm.conf, starts munged, slurmctld and slurmd (their own
#                                      socket, ports, spool and state under DIR), waits until the node is idle,
#                                      and prints `export SLURM_CONF=DIR/slurm.conf`
#   scripts/dev-slurm.sh down [DIR]    stops the three daemons by the PIDs recorded under DIR, then removes DIR
#   scripts/dev-slurm.sh status [DIR]  the daemons' PIDs and `sinfo`
#
# DIR defaults to ${TMPDIR:-/tmp}/pipe-dev-slurm. Needs root (slurmd starts jobs as their user) and Debian's
# slurm-wlm + munge (scripts/setup.sh installs them). Nothing outside DIR is touched, so several clusters
# (one per test file) can run side by side; /etc/munge and /etc/slurm are not used.
set -euo pipefail

cmd=${1:-}
dir=${2:-${TMPDIR:-/tmp}/pipe-dev-slurm}

say() { printf 'dev-slurm: %s\n' "$*" >&2; }

free_port() {
  node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'
}

pid_of() { [ -f "$dir/$1.pid" ] && cat "$dir/$1.pid" 2>/dev/null || true; }

alive() { [ -n "$1" ] && kill -0 "$1" 2>/dev/null; }

stop_pid() {
  local name=$1 pid
  pid=$(pid_of "$name")
  alive "$pid" || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 50); do alive "$pid" || return 0; sleep 0.1; done
  say "$name ($pid) did not stop on SIGTERM; SIGKILL"
  kill -KILL "$pid" 2>/dev/null || true
}

sctl() { SLURM_CONF="$dir/slurm.conf" "$@"; }

up() {
  for b in munged slurmctld slurmd sinfo; do
    command -v "$b" >/dev/null || { say "$b not found: install slurm-wlm and munge (bash scripts/setup.sh)"; exit 1; }
  done
  [ "$(id -u)" -eq 0 ] || { say "needs root (slurmd runs jobs as their submitting user)"; exit 1; }
  mkdir -p "$dir"
  chmod 700 "$dir"
  mkdir -p "$dir/state" "$dir/spool" "$dir/munge"
  chmod 700 "$dir/munge"
  if [ ! -f "$dir/munge/munge.key" ]; then
    head -c 1024 /dev/urandom >"$dir/munge/munge.key"
    chmod 400 "$dir/munge/munge.key"
  fi
  local host cpus mem ctld_port slurmd_port
  host=$(hostname -s)
  cpus=$(nproc)
  # RealMemory a little under the total, so slurmd's own check accepts the node.
  mem=$(awk '/MemTotal/ { printf "%d", $2 / 1024 * 0.9 }' /proc/meminfo)
  ctld_port=$(free_port)
  slurmd_port=$(free_port)
  while [ "$slurmd_port" = "$ctld_port" ]; do slurmd_port=$(free_port); done
  cat >"$dir/slurm.conf" <<EOF
ClusterName=pipe-dev
SlurmctldHost=$host(127.0.0.1)
SlurmUser=root
SlurmctldPort=$ctld_port
SlurmdPort=$slurmd_port
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/slurmctld.log
SlurmdLogFile=$dir/slurmd.log
AuthType=auth/munge
AuthInfo=socket=$dir/munge/munge.sock
CredType=cred/munge
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
ReturnToService=2
SchedulerType=sched/backfill
SchedulerParameters=sched_interval=2
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
MpiDefault=none
MinJobAge=600
KillWait=5
InactiveLimit=0
NodeName=$host NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$mem State=UNKNOWN
DefMemPerCPU=256
PartitionName=debug Nodes=$host Default=YES MaxTime=INFINITE State=UP OverSubscribe=FORCE:4
EOF
  munged --force --socket="$dir/munge/munge.sock" --key-file="$dir/munge/munge.key" \
    --pid-file="$dir/munged.pid" --log-file="$dir/munged.log" --seed-file="$dir/munge/seed"
  slurmctld -f "$dir/slurm.conf" -i
  slurmd -f "$dir/slurm.conf" -N "$host"
  for _ in $(seq 1 150); do
    if sctl sinfo -h -o '%T' 2>/dev/null | grep -qx 'idle'; then
      say "cluster up: node $host idle (slurmctld port $ctld_port)"
      echo "export SLURM_CONF=$dir/slurm.conf"
      return 0
    fi
    sleep 0.2
  done
  say "the node did not become idle within 30 s; logs: $dir/slurmctld.log $dir/slurmd.log"
  sctl sinfo 2>&1 | sed 's/^/  /' >&2 || true
  down
  exit 1
}

down() {
  # Cancel the cluster's jobs first (their steps outlive slurmd otherwise), then slurmd, the controller, munge.
  if alive "$(pid_of slurmctld)"; then
    sctl scancel --user="$(id -un)" 2>/dev/null || true
    for _ in $(seq 1 50); do
      [ -z "$(sctl squeue -h -o '%i' 2>/dev/null)" ] && break
      sleep 0.2
    done
  fi
  stop_pid slurmd
  stop_pid slurmctld
  stop_pid munged
  case "$dir" in
    "" | / ) ;;
    *) rm -rf "$dir" ;;
  esac
}

status() {
  local n
  for n in munged slurmctld slurmd; do
    local pid
    pid=$(pid_of "$n")
    if alive "$pid"; then echo "$n: running (pid $pid)"; else echo "$n: not running"; fi
  done
  [ -f "$dir/slurm.conf" ] && sctl sinfo || true
}

case "$cmd" in
  up) up ;;
  down) down ;;
  status) status ;;
  *) echo "usage: $0 up|down|status [DIR]" >&2; exit 2 ;;
esac
