#!/usr/bin/env bash
# slurm.requeue: the time-limit path of every driver under a real (local, single-node) Slurm
# cluster, with the real job scripts jobs/{hopfield,capacity,digest,rl,sgd}.sbatch, all five
# jobs at once (-n 2 each, `-t 1 --signal=USR1@15`):
#   Slurm sends SIGUSR1 to the ranks before the time limit; the driver stops with a checkpoint
#   (exit code 3; nnsim-sgd inside an epoch: the log says "after epoch E, batch B", B > 0); the
#   job requeues itself (scontrol requeue); the requeued job resumes from the checkpoint and
#   completes; the output equals that of an uninterrupted one-rank run bit for bit (every
#   dataset but the measured wall times; tests/slurm/same_h5.py).
# Speed-independent: Slurm checks time limits every 30 s, so the signal comes 15-45 s after
# the start whatever the job's size. Instead of work that surely outlasts that (and an equally
# long reference run), the test freezes each job's ranks with SIGSTOP as soon as they have
# installed their signal handlers (SigCgt in /proc/PID/status; nnsim-sgd: after its first
# epoch, so that the stop falls inside a later one), waits until Slurm's SIGUSR1 is pending
# for them (SigPnd/ShdPnd), raises the job's time limit (so that the requeued run is not
# signalled again) and continues them with SIGCONT: they handle the signal at once. The
# uninterrupted reference runs use the idle cores meanwhile. (Slurm itself sends SIGCONT with
# the signal, so the ranks usually run again before the test sees the signal pending.)
# Measured: 54-60 s on the shared 2-core development machine (load average 10-12), mostly
# waiting for Slurm's 30 s time-limit check and the 10 s before a requeued job may start.
#
# Usage: requeue.sh BUILD_DIR/apps/nnsim-hopfield SOURCE_DIR   (root; exit 77 = skipped)
set -euo pipefail
DRIVER=$(realpath -- "$1")
SRC=$(realpath -- "$2")
NAME=requeue
source "$SRC/tests/slurm/lib.sh"
slurm_setup
DRIVERS="hopfield capacity digest rl sgd"
for d in $DRIVERS; do
  [[ -x $BUILD/apps/nnsim-$d ]] || fail "$BUILD/apps/nnsim-$d is missing (build every driver)"
done

# About 5 core-seconds each on an idle machine (one rl run of 2.3 core-seconds ended before the
# test could freeze it): the runs must still be going well after their handlers are in.
driver_config hopfield N=1500,2000 samples=80
driver_config capacity N=512,1024 samples=800
driver_config digest "instances=$SRC/data/double-digest-table-4.1.json" instance=L10000,L20000 samples=36 steps=200000 continue-after-solution=true
driver_config rl samples=12000 episodes=10000 record-every=1000
# nnsim-sgd: epochs of ~0.5 s (wall, 2 ranks), long against the test's polling, so that the
# freeze lands inside epoch 2 and not on a boundary.
driver_config sgd train-limit=20000 batch=2 epochs=3 learning-rate=0.001

declare -A JOB_OF PIDS STATE READY CPU0
warn=15
for d in $DRIVERS; do
  submit -n 2 -t 1 "--signal=USR1@$warn" -- "$d.sbatch" "$WORK/$d.ini" "$WORK/out/$d.h5"
  JOB_OF[$d]=$JOB
  STATE[$d]=starting
done
note "submitted with -t 1 --signal=USR1@$warn: $(for d in $DRIVERS; do printf '%s=%s ' "$d" "${JOB_OF[$d]}"; done)"

# The polling below forks as little as possible (one ps per round): with ten ranks on two
# cores a slow poll would notice a job's handlers only after its work is done.
# rank_pids D: sets PIDS_NOW to the pids of driver D's ranks of this test (their command line
# names the test's output), from the process list in PS.
rank_pids() {
  local line
  PIDS_NOW=
  for line in "${PS[@]}"; do
    line=${line#"${line%%[![:space:]]*}"}
    [[ ${line#* } == "$BUILD/apps/nnsim-$1 "*"--output $WORK/out/$1.h5"* ]] && PIDS_NOW="$PIDS_NOW ${line%% *}"
  done
  return 0
}
# status_field PID NAME: sets REPLY to a field of /proc/PID/status (SigCgt, SigPnd, ShdPnd,
# State); empty when the process is gone.
status_field() {
  local k v
  REPLY=
  { while read -r k v; do
    if [[ $k == "$2:" ]]; then
      REPLY=$v
      break
    fi
  done <"/proc/$1/status"; } 2>/dev/null || true
}
# cpu_ticks PID: user + system CPU time of the process in clock ticks (0 when it is gone).
cpu_ticks() {
  local stat
  stat=$(cat "/proc/$1/stat" 2>/dev/null) || { echo 0; return; }
  stat=${stat##*) }  # the fields after "(comm) "; utime and stime are fields 14 and 15
  read -r -a f <<<"$stat"
  echo $((f[11] + f[12]))
}
# has_usr1 MASK: the hex signal mask has SIGUSR1 (10: bit 9).
has_usr1() { local m=${1:-0}; (((16#$m >> 9) & 1)); }

# Freeze each job's ranks once their handlers are in, then wait for Slurm's signal.
ref_started=0
round=0
t0=$SECONDS
while :; do
  pending=0
  round=$((round + 1))
  mapfile -t PS < <(ps -eo pid=,args=)
  for d in $DRIVERS; do
    case ${STATE[$d]} in
      starting)
        rank_pids "$d"
        pids=${PIDS_NOW# }
        # shellcheck disable=SC2086  # split into the pids
        set -- $pids
        if (($# == 2)) && [[ -z ${READY[$d]:-} ]]; then
          ok=1
          for p in "$@"; do
            status_field "$p" SigCgt
            has_usr1 "$REPLY" || ok=0
          done
          if ((ok)); then READY[$d]=$(date +%s%N); fi
        fi
        # Freeze 0.2 s after the handlers are in (some work done); nnsim-sgd after its first
        # epoch, so that the stop falls inside a later epoch.
        if [[ -n ${READY[$d]:-} ]]; then
          if [[ $d == sgd ]]; then
            # Right after the 'epoch 1/' line the ranks may not yet have run a batch of epoch 2
            # (a loaded machine): wait until each rank has used 2 more clock ticks of CPU time
            # (0.02 s at 100 Hz, a fraction of an epoch of this config), whatever the load.
            freeze=0
            if [[ -z ${CPU0[$d]:-} ]]; then
              if grep -q 'epoch 1/' "$WORK/job-${JOB_OF[$d]}.log"; then
                CPU0[$d]=""
                for p in "$@"; do CPU0[$d]+="$(cpu_ticks "$p") "; done
              fi
            else
              freeze=1
              read -r -a start <<<"${CPU0[$d]}"
              i=0
              for p in "$@"; do
                (($(cpu_ticks "$p") >= start[i] + 2)) || freeze=0
                i=$((i + 1))
              done
            fi
          else
            now=$(date +%s%N)
            freeze=$((now - READY[$d] >= 200000000 ? 1 : 0))
          fi
          if ((freeze)); then
            kill -STOP "$@" 2>/dev/null || true
            PIDS[$d]=$pids
            STATE[$d]=frozen
            note "$d: ranks $pids frozen $((SECONDS - t0)) s after sbatch"
          fi
        fi
        if [[ ${STATE[$d]} == starting ]] && ((round % 10 == 0)) && [[ -z $(squeue -h -j "${JOB_OF[$d]}" -o %i) ]]; then
          show_job "${JOB_OF[$d]}"
          fail "$d: job ${JOB_OF[$d]} ended before its ranks could be frozen (work too small for this machine?)"
        fi
        pending=1
        ;;
      frozen)
        # Slurm's signal: pending, or (as Slurm sends SIGCONT with it) the ranks running again.
        got=0
        for p in ${PIDS[$d]}; do
          status_field "$p" ShdPnd
          if has_usr1 "$REPLY"; then got=1; fi
          status_field "$p" SigPnd
          if has_usr1 "$REPLY"; then got=1; fi
          status_field "$p" State
          [[ ${REPLY:0:1} == T ]] || got=1
        done
        if ((got)); then
          scontrol update JobId="${JOB_OF[$d]}" TimeLimit=10 || fail "scontrol update JobId=${JOB_OF[$d]} TimeLimit=10 failed"
          # shellcheck disable=SC2086
          kill -CONT ${PIDS[$d]} 2>/dev/null || true
          STATE[$d]=signalled
          note "$d: SIGUSR1 from Slurm $((SECONDS - t0)) s after sbatch; time limit raised for the requeued run"
        else
          pending=1
        fi
        ;;
    esac
  done
  ((pending)) || break
  # Every job frozen: the cores are free for the reference runs until Slurm's signal.
  if ((!ref_started)); then
    all=1
    for d in $DRIVERS; do [[ ${STATE[$d]} == starting ]] && all=0; done
    if ((all)); then
      ref_started=1
      # One rank each, without mpirun: no collectives to wait for on the busy cores (an
      # oversubscribed 2-rank nnsim-sgd run took 190 s here beside the resumed jobs), and the
      # drivers' results do not depend on the rank count, so a 2-rank job must match them.
      (
        for d in sgd hopfield capacity digest rl; do
          DRIVER=$BUILD/apps/nnsim-$d
          DRV_TIMEOUT=300 drv "$WORK/$d-ref.log" 0 --config "$WORK/$d.ini" -o "$WORK/$d-ref.h5"
          echo "$RC" >"$WORK/$d-ref.rc"
          echo "-- reference $d: ${SECONDS_TAKEN} s"
        done
      ) &
      BG_PIDS+=($!)
    fi
  fi
  ((SECONDS - t0 < 120)) || {
    for d in $DRIVERS; do show_job "${JOB_OF[$d]}"; done
    fail "after 120 s: $(for d in $DRIVERS; do printf '%s %s, ' "$d" "${STATE[$d]}"; done)(SIGUSR1 is due 15-45 s after the start)"
  }
  sleep 0.1
done

wait_gone 240 "${JOB_OF[@]}"
note "every job has left the queue $((SECONDS - t0)) s after sbatch"
if ((ref_started)); then wait "${BG_PIDS[${#BG_PIDS[@]} - 1]}" || true; fi
note "the reference runs were done $((SECONDS - t0)) s after sbatch"
for d in $DRIVERS; do
  [[ -f $WORK/$d-ref.rc && $(cat "$WORK/$d-ref.rc") == 0 ]] || { cat "$WORK/$d-ref.log" >&2; fail "$d: the reference run failed"; }
done

for d in $DRIVERS; do
  job=${JOB_OF[$d]}
  log=$WORK/job-$job.log
  expect_end "$job" COMPLETED 0:0
  [[ $(field "$job" Restarts) == 1 ]] || { show_job "$job"; fail "$d: job $job restarted $(field "$job" Restarts) times, expected once"; }
  log_has "$log" 'received SIGUSR1' "$d: the ranks should have received SIGUSR1 before the time limit"
  log_has "$log" 'Exited with exit code 3' "$d: srun should report exit code 3"
  log_has "$log" 'requeueing job' "$d: the job should have requeued itself"
  log_has "$log" 'restart 1\)' "$d: the job should have started a second time"
  log_has "$log" 'checkpoint found, resuming' "$d: the requeued job should resume"
  [[ -f $WORK/out/$d.h5 && ! -e $WORK/out/$d.h5.checkpoint.h5 ]] || fail "$d: expected out/$d.h5 and no checkpoint left"
done
for d in $DRIVERS; do
  note "$d: $(grep -m1 -oE 'stopped early \([^)]*\)[^;]*' "$WORK/job-${JOB_OF[$d]}.log" || echo '(no stop line)')"
done
line=$(grep -m1 -E 'stopped early \(.*\) after epoch [0-9]+, batch [0-9]+' "$WORK/job-${JOB_OF[sgd]}.log") ||
  { show_job "${JOB_OF[sgd]}"; fail "sgd: no 'stopped early (...) after epoch E, batch B' line"; }
batch=$(sed -E 's/.*after epoch [0-9]+, batch ([0-9]+).*/\1/' <<<"$line")
((batch > 0)) || fail "sgd: the stop fell between two epochs, not inside one: $line"

# Every dataset of the file, bit for bit, but the measured wall times (names with "seconds"
# or under /timing). h5diff is not used: it follows the dimension scales' references into them.
for d in $DRIVERS; do
  "$PY" "$SRC/tests/slurm/same_h5.py" "$WORK/$d-ref.h5" "$WORK/out/$d.h5" --ignore seconds,timing / ||
    fail "$d: the requeued job's output differs from the uninterrupted run's (above)"
done
no_temporaries "$WORK"
note "every driver: SIGUSR1 before the time limit, exit 3 with a checkpoint, requeued, resumed; results identical to an uninterrupted run"
note "PASS (requeue) in $((SECONDS - T_START)) s"
