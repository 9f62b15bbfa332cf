#!/usr/bin/env bash
# A real one-node Slurm cluster on this machine, to try `thermo run --executor slurm` (and to
# test it): Debian's slurmctld, slurmd, slurm-client and munge, configured in DIR.
#   tools/slurm-local.sh start [--dir DIR] [--no-install]   then: export SLURM_CONF=DIR/slurm.conf
#   tools/slurm-local.sh stop  [--dir DIR]                  stops exactly the daemons `start` started
#   tools/slurm-local.sh env   [--dir DIR]                  prints the export line
# DIR defaults to /tmp/thermo-slurm. Needs root (the daemons run as root, munged as munge).
# The cluster: one node (`hostname -s`) with this machine's CPUs and memory, one partition
# `local`, proctrack/linuxproc and task/none (no cgroup needed to run jobs), select/cons_tres,
# no accounting database (sacct then says so; `thermo status` uses squeue).
set -euo pipefail

command=${1:-}
[ $# -gt 0 ] && shift
dir=/tmp/thermo-slurm
install=1
while [ $# -gt 0 ]; do
  case "$1" in
    --dir) dir=$2; shift 2 ;;
    --no-install) install=0; shift ;;
    -h|--help) sed -n '2,11p' "$0"; exit 0 ;;
    *) echo "slurm-local.sh: unknown argument '$1' (try --help)" >&2; exit 2 ;;
  esac
done

log() { echo "slurm-local.sh: $*" >&2; }

stop_pid_file() {  # stops the process named in a pid file we wrote or the daemon wrote for us
  local file=$1 name=$2
  [ -f "$file" ] || return 0
  local pid
  pid=$(cat "$file")
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
    kill "$pid"
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$pid" 2>/dev/null && kill -9 "$pid"
    log "stopped $name ($pid)"
  fi
  rm -f "$file"
}

stop() {
  stop_pid_file "$dir/slurmd.pid" slurmd
  stop_pid_file "$dir/slurmctld.pid" slurmctld
  stop_pid_file "$dir/munged.pid" munged
}

write_config() {
  local host cpus memory cgroup_plugin
  host=$(hostname -s)
  cpus=$(nproc)
  memory=$(( $(awk '/MemTotal/ {print $2}' /proc/meminfo) / 1024 - 512 ))
  # cgroup v2 has one unified hierarchy at the root; v1 has one folder per controller.
  if [ -f /sys/fs/cgroup/cgroup.controllers ]; then cgroup_plugin=cgroup/v2; else cgroup_plugin=cgroup/v1; fi
  mkdir -p "$dir/state" "$dir/spool" "$dir/munge"
  # munged runs as the munge user: it must reach its folder inside $dir (mktemp -d makes 0700).
  chmod 755 "$dir"
  cat > "$dir/slurm.conf" <<EOF
# Written by thermo's tools/slurm-local.sh: a one-node cluster for trying and testing thermo.
ClusterName=thermo-local
SlurmctldHost=$host
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/slurmctld.log
SlurmdLogFile=$dir/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
SchedulerType=sched/backfill
SchedulerParameters=bf_interval=1
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
JobAcctGatherType=jobacct_gather/none
MpiDefault=none
ReturnToService=2
SlurmctldTimeout=30
SlurmdTimeout=30
InactiveLimit=0
MinJobAge=600
KillWait=10
Waittime=0
MessageTimeout=20
NodeName=$host CPUs=$cpus RealMemory=$memory State=UNKNOWN
PartitionName=local Nodes=$host Default=YES MaxTime=INFINITE State=UP
EOF
  cat > "$dir/cgroup.conf" <<EOF
# Detected on this machine; unused by proctrack/linuxproc and task/none.
CgroupPlugin=$cgroup_plugin
IgnoreSystemd=yes
EOF
  log "wrote $dir/slurm.conf (node $host, $cpus CPUs, $memory MB; $cgroup_plugin detected)"
}

start_munge() {
  if [ ! -s /etc/munge/munge.key ]; then
    log "creating the munge key"
    dd if=/dev/urandom of=/etc/munge/munge.key bs=1 count=1024 status=none
    chown munge:munge /etc/munge/munge.key
    chmod 400 /etc/munge/munge.key
  fi
  chown munge:munge "$dir/munge"
  mkdir -p /run/munge /var/log/munge /var/lib/munge
  chown munge:munge /run/munge /var/log/munge /var/lib/munge
  if munge -n >/dev/null 2>&1 </dev/null; then
    log "munged already runs (not ours: it will not be stopped)"
    return
  fi
  runuser -u munge -- /usr/sbin/munged --pid-file="$dir/munge/munged.pid"
  cp "$dir/munge/munged.pid" "$dir/munged.pid"
  for _ in $(seq 50); do munge -n >/dev/null 2>&1 </dev/null && break; sleep 0.1; done
  munge -n </dev/null | unmunge >/dev/null || { log "munged does not answer"; exit 1; }
}

start() {
  [ "$(id -u)" -eq 0 ] || { log "needs root"; exit 2; }
  if [ "$install" -eq 1 ]; then
    local missing=()
    for package in slurmctld slurmd slurm-client munge; do
      dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
    done
    if [ ${#missing[@]} -gt 0 ]; then
      log "installing ${missing[*]}"
      apt-get update -qq || log "apt-get update failed; trying the cached package lists"
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    fi
  fi
  stop  # daemons of an earlier start in this folder
  write_config
  export SLURM_CONF=$dir/slurm.conf
  start_munge
  /usr/sbin/slurmctld -f "$SLURM_CONF"
  /usr/sbin/slurmd -f "$SLURM_CONF"
  local host state=""
  host=$(hostname -s)
  for _ in $(seq 120); do
    state=$(sinfo -h -n "$host" -o %T 2>/dev/null || true)
    case "$state" in
      idle*) break ;;
      down*|drain*|unknown*) scontrol update nodename="$host" state=resume >/dev/null 2>&1 || true ;;
    esac
    sleep 0.5
  done
  if [[ "$state" != idle* ]]; then
    log "the node did not become idle (state '$state'); see $dir/slurmctld.log and $dir/slurmd.log"
    exit 1
  fi
  log "node $host is idle; export SLURM_CONF=$SLURM_CONF"
}

case "$command" in
  start) start ;;
  stop) stop ;;
  env) echo "export SLURM_CONF=$dir/slurm.conf" ;;
  *) sed -n '2,11p' "$0"; exit 2 ;;
esac
