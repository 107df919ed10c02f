#!/bin/bash
# Starts a single-node Slurm cluster on this machine, runs the flagship as a 4-shard job array
# with a dependent merge job (deploy/slurm/), waits, and checks that the merged files are byte
# for byte those of one `stratex run` in a single process. Exits non-zero if anything differs.
#
#   scripts/slurm-local.sh [RUNS]        (default 20000 runs; run as root on Debian/Ubuntu)
#
# Installs slurmd, slurmctld, slurm-client and munge with apt-get if they are missing, writes a
# munge key and /etc/slurm/slurm.conf for one node with this machine's CPUs, and stops the
# daemons it started when done (KEEP_SLURM=1 leaves them running).
set -euo pipefail

RUNS="${1:-20000}"
SHARDS=4
repo="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d /tmp/stratex-slurm.XXXXXX)"
log() { echo "slurm-local: $*"; }

if [ "$(id -u)" != 0 ]; then
    echo "error: run as root (it installs packages and starts the Slurm daemons)" >&2
    exit 2
fi

# 1. Packages.
if ! command -v slurmctld >/dev/null || ! command -v slurmd >/dev/null || ! command -v sbatch >/dev/null || ! command -v munged >/dev/null; then
    log "installing slurmd slurmctld slurm-client munge"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq slurmd slurmctld slurm-client munge >/dev/null
fi

# 2. Munge: a fresh key, the daemon started as root (--force: no systemd here).
mkdir -p /etc/munge /var/lib/munge /var/log/munge /run/munge
if [ ! -s /etc/munge/munge.key ]; then
    dd if=/dev/urandom of=/etc/munge/munge.key bs=1024 count=1 status=none
fi
chown root:root /etc/munge/munge.key /etc/munge /var/lib/munge /var/log/munge /run/munge
chmod 400 /etc/munge/munge.key
chmod 700 /etc/munge /var/lib/munge /var/log/munge
chmod 755 /run/munge
if ! munge -n </dev/null 2>/dev/null | unmunge >/dev/null 2>&1; then
    pkill -x munged 2>/dev/null || true
    munged --force
    sleep 1
fi
munge -n </dev/null | unmunge >/dev/null
log "munge works"

# 3. slurm.conf for one node with this machine's CPUs and memory.
node="$(hostname -s)"
cpus="$(nproc)"
mem_mb=$(( $(awk '/MemTotal/ {print $2}' /proc/meminfo) / 1024 - 512 ))
mkdir -p /etc/slurm /var/spool/slurmctld /var/spool/slurmd /var/log/slurm
cat > /etc/slurm/slurm.conf <<CONF
# Written by stratex scripts/slurm-local.sh: a single-node cluster for testing.
ClusterName=stratex-local
SlurmctldHost=$node
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CryptoType=crypto/munge
MpiDefault=none
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
StateSaveLocation=/var/spool/slurmctld
SlurmdSpoolDir=/var/spool/slurmd
SlurmctldPidFile=/run/slurmctld.pid
SlurmdPidFile=/run/slurmd.pid
SlurmctldLogFile=/var/log/slurm/slurmctld.log
SlurmdLogFile=/var/log/slurm/slurmd.log
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
JobAcctGatherType=jobacct_gather/none
NodeName=$node CPUs=$cpus RealMemory=$mem_mb State=UNKNOWN
PartitionName=local Nodes=$node Default=YES MaxTime=INFINITE State=UP
CONF

# 4. Daemons (restarted, so they read this configuration).
started_ctld=0
stop_daemons() {
    if [ "${KEEP_SLURM:-0}" != 1 ] && [ "$started_ctld" = 1 ]; then
        scancel --user=root 2>/dev/null || true
        pkill -x slurmd 2>/dev/null || true
        pkill -x slurmctld 2>/dev/null || true
    fi
}
trap stop_daemons EXIT
pkill -x slurmd 2>/dev/null || true
pkill -x slurmctld 2>/dev/null || true
sleep 1
slurmctld -c -i
slurmd -c
started_ctld=1
for _ in $(seq 1 60); do
    if sinfo -h -o '%t' 2>/dev/null | grep -qE '^(idle|mix|alloc)'; then
        break
    fi
    sleep 1
done
scontrol update nodename="$node" state=resume 2>/dev/null || true
sinfo
if ! sinfo -h -o '%t' | grep -qE '^(idle|mix|alloc)'; then
    echo "error: the Slurm node did not come up; see /var/log/slurm/" >&2
    tail -n 20 /var/log/slurm/slurmctld.log /var/log/slurm/slurmd.log >&2 || true
    exit 1
fi

# 5. The binary.
stratex="$repo/target/release/stratex"
if [ ! -x "$stratex" ]; then
    log "building stratex (release)"
    (cd "$repo" && cargo build --release --quiet)
fi

# 6. The sharded batch on Slurm.
scenario="$repo/scenarios/nk_russia.ron"
log "submitting $SHARDS shards of $RUNS runs of $scenario"
STRATEX="$stratex" CPUS=1 "$repo/deploy/slurm/submit.sh" "$scenario" "$SHARDS" "$RUNS" "$work/slurm"
read -r array merge < "$work/slurm/jobs"
for _ in $(seq 1 1200); do
    state=$(scontrol show job "$merge" 2>/dev/null | sed -n 's/.*JobState=\([A-Z_]*\).*/\1/p' | head -1)
    case "$state" in
        COMPLETED) break ;;
        FAILED|CANCELLED|TIMEOUT|NODE_FAIL|OUT_OF_MEMORY|BOOT_FAIL|DEADLINE)
            echo "error: the merge job ended $state" >&2
            cat "$work"/slurm/logs/*.log >&2 || true
            exit 1 ;;
    esac
    sleep 1
done
if [ "${state:-}" != COMPLETED ]; then
    echo "error: the jobs did not finish in 20 minutes (merge job state: ${state:-unknown})" >&2
    squeue >&2 || true
    exit 1
fi
log "array job $array and merge job $merge completed"
for k in $(seq 1 "$SHARDS"); do
    sed -n '1p' "$work/slurm/logs/shard-$k.log"
done

# 7. The same batch in one process, and the comparison.
"$stratex" run "$scenario" --runs "$RUNS" --out "$work/single" --quiet
status=0
for f in summary.json runs.csv timeseries.csv flows.csv; do
    if cmp -s "$work/slurm/merged/$f" "$work/single/$f"; then
        log "$f: identical ($(wc -c < "$work/single/$f") bytes)"
    else
        log "$f: DIFFERS"
        status=1
    fi
done
if [ "$status" = 0 ]; then
    log "the Slurm job array and its merge reproduce the single-process run byte for byte"
    rm -rf "$work"
else
    log "results kept in $work"
fi
exit "$status"
