#!/usr/bin/python3
"""Plots of the reinforcement-learning experiments (B. Mehlig, "Machine learning with neural
networks", chapter 11) from files written by `nnsim-rl`, and the relaxation-rate fit used by the
acceptance test.

  /usr/bin/python3 analysis/plot_rl.py RUN.h5 [MORE.h5 ...] [-o PREFIX]

One PNG per input file, chosen by its root attribute `experiment` (PREFIX defaults to the file
name without ".h5"; with several files, "-<n>" is appended to the prefix of file n > 1):

  PREFIX-rl-fig11.2.png   --experiment reward-penalty: the mean expected immediate reward of the
      stochastic neuron (/results/expected_reward) and the block-averaged reward actually received
      (/results/reward, faint) against the iteration, one colour per delta (and learning rate),
      bands of +- one standard error over the learners, and r_max (11.4) dashed (Fig. 11.2).
  PREFIX-rl-fig11.5.png   --experiment associative-q: the four mean Q entries against the episode
      (/results/q_table, episode-major), one panel per (epsilon, learning rate) point, bands of
      +- one standard error, the theory <Q_t> (11.27)-(11.29) (/results/q_table/theory_mean)
      dashed and the limits Q* = 2 p_reward - 1 (11.30) dotted (Fig. 11.5). The legend gives
      each entry's fitted relaxation rate with its jackknife error next to the theory rate.
  PREFIX-rl-fig11.7.png   --experiment tictactoe: the fractions of draws, x wins and o wins in
      the running window against the round (/results/outcomes), bands of +- one standard error
      over the learners (Fig. 11.7); the title gives the evaluation of the trained greedy agents
      (draws in self-play, learners that never lose to minimax).
  PREFIX-rl-td-lambda.png --experiment td-lambda: the RMS value error averaged over the episodes
      (/results/rms_error_average) against lambda, one curve per learning rate, error bars of one
      standard error.

The paths of the written PNGs are printed, one per line. A missing file or one not written by
nnsim-rl (root attribute program != "nnsim-rl") gives exit code 2 and a message on stderr.
"""

import argparse
import os
import sys

import numpy as np


def _text(value):
    return value.decode() if isinstance(value, bytes) else str(value)


class InputError(Exception):
    pass


def greedy_entries(limit):
    """Which of the four entries (x1,-1), (x1,+1), (x2,-1), (x2,+1) is the greedy one of its stimulus:
    the one with the larger Q* (the second on a tie), as in the driver's theory."""
    limit = np.asarray(limit)
    greedy = np.zeros(4, dtype=bool)
    for s in range(2):
        a = 0 if limit[2 * s] > limit[2 * s + 1] else 1
        greedy[2 * s + a] = True
    return greedy


def _log_fit(t, deviation):
    slope, _ = np.polyfit(t, np.log(np.abs(deviation)), 1)
    return -slope


def fit_relaxation_rate(f, point, entry, groups=20, start=0, min_sigmas=8.0):
    """Relaxation rate of <Q_t> - Q* for one entry of an associative-q file `f` (h5py.File).

    Fits log|<Q_t> - Q*| linearly in t over the recorded episodes from `start` up to (excluding)
    the first one where |<Q_t> - Q*| is below `min_sigmas` standard errors. The error is a
    delete-one-group jackknife over `groups` groups of learners (the same window), which carries
    the correlation between the episodes of one learner. Returns (rate, error, (t_first, t_last))."""
    g = f["results/q_table"]
    episodes = g["episode"][:]
    limit = g["theory_limit"][entry]
    samples = g["samples"][point][:, entry::4]  # [learner, row]
    n = samples.shape[0]
    mean = samples.mean(axis=0)
    stderr = samples.std(axis=0, ddof=1) / np.sqrt(n)
    first = int(np.searchsorted(episodes, start))
    last = first
    while last < len(episodes) and abs(mean[last] - limit) > min_sigmas * max(stderr[last], 1e-300):
        last += 1
    if last - first < 3:
        raise InputError(f"point {point} entry {entry}: fewer than 3 episodes with a significant deviation")
    window = slice(first, last)
    t = episodes[window].astype(float)
    rate = _log_fit(t, mean[window] - limit)
    labels = np.arange(n) % groups
    partial = []
    for k in range(groups):
        keep = samples[labels != k].mean(axis=0)[window] - limit
        partial.append(_log_fit(t, keep))
    partial = np.array(partial)
    error = np.sqrt((groups - 1) / groups * np.sum((partial - partial.mean()) ** 2))
    return rate, error, (int(episodes[first]), int(episodes[last - 1]))


def _points_label(f, p, names):
    return ", ".join(f"{n} {f['points'][n][p]:g}" for n in names)


def plot_associative(f, output, plt):
    g = f["results/q_table"]
    episodes = g["episode"][:]
    mean, err = g["mean"][:], g["stderr"][:]
    theory = g["theory_mean"][:] if "theory_mean" in g else None  # epsilon-greedy only
    limit = g["theory_limit"][:]
    rates = g["theory_rate"][:]
    softmax = "beta" in f["points"]  # --policy softmax: a beta axis instead of epsilon
    axis = "beta" if softmax else "epsilon"
    eps = None if softmax else f["points/epsilon"][:]
    n_points = mean.shape[0]
    names = ["(x1, y=-1)", "(x1, y=+1)", "(x2, y=-1)", "(x2, y=+1)"]
    fig, axes = plt.subplots(1, n_points, figsize=(5.5 * n_points, 4.2), squeeze=False)
    for p in range(n_points):
        ax = axes[0][p]
        m = mean[p].reshape(len(episodes), 4)
        e = err[p].reshape(len(episodes), 4)
        for k in range(4):
            try:
                start = 0 if eps is not None and eps[p] >= 1 else episodes[-1] // 50
                fit, fit_err, _ = fit_relaxation_rate(f, p, k, start=start)
                rate_text = f"rate {fit:.3g}±{fit_err:.1g} (theory {rates[p, k]:.3g})"
            except InputError:
                rate_text = f"theory rate {rates[p, k]:.3g}"
            line, = ax.plot(episodes, m[:, k], label=f"Q{names[k]}: {rate_text}")
            ax.fill_between(episodes, m[:, k] - e[:, k], m[:, k] + e[:, k], color=line.get_color(), alpha=0.25)
            if theory is not None:
                ax.plot(episodes, theory[p].reshape(len(episodes), 4)[:, k], "--", color=line.get_color(), lw=0.9)
            ax.axhline(limit[k], ls=":", color=line.get_color(), lw=0.8)
        ax.set_xlabel("episode t")
        ax.set_ylabel("<Q_t>")
        ax.set_title(_points_label(f, p, [axis, "learning-rate"]) + f"; {int(g['count'][p])} learners", fontsize=9)
        ax.legend(fontsize=7)
    fig.suptitle("Q-learning on the associative task " + ("with softmax selection: " if softmax else
                 "(Fig. 11.5): dashed (11.27)-(11.29), ") + "dotted Q* = 2 p - 1 (11.30)", fontsize=9)
    fig.tight_layout()
    fig.savefig(output, dpi=110)
    plt.close(fig)


def plot_reward_penalty(f, output, plt):
    iteration = f["results/expected_reward/iteration"][:]
    mean, err = f["results/expected_reward/mean"][:], f["results/expected_reward/stderr"][:]
    received = f["results/reward/mean"][:]
    r_max = f["theory/r_max"][0]
    fig, ax = plt.subplots(figsize=(6.5, 4.2))
    for p in range(mean.shape[0]):
        line, = ax.plot(iteration, mean[p], label=_points_label(f, p, ["delta", "learning-rate"]))
        ax.fill_between(iteration, mean[p] - err[p], mean[p] + err[p], color=line.get_color(), alpha=0.25)
        ax.plot(iteration, received[p], color=line.get_color(), alpha=0.3, lw=0.7)
    ax.axhline(r_max, ls="--", color="k", label=f"r_max = {r_max:g} (11.4)")
    ax.set_xlabel("iteration")
    ax.set_ylabel("mean immediate reward")
    ax.set_title("associative reward-penalty (11.10), Fig. 11.2; faint: reward received per block", fontsize=9)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(output, dpi=110)
    plt.close(fig)


def plot_tictactoe(f, output, plt):
    rounds = f["results/outcomes/round"][:]
    mean, err = f["results/outcomes/mean"][:], f["results/outcomes/stderr"][:]
    n_points = mean.shape[0]
    fig, axes = plt.subplots(1, n_points, figsize=(6.5 * n_points, 4.2), squeeze=False)
    for p in range(n_points):
        ax = axes[0][p]
        m = mean[p].reshape(len(rounds), 3)
        e = err[p].reshape(len(rounds), 3)
        for k, name in enumerate(["draw", "x wins", "o wins"]):
            line, = ax.plot(rounds, m[:, k], label=name)
            ax.fill_between(rounds, m[:, k] - e[:, k], m[:, k] + e[:, k], color=line.get_color(), alpha=0.25)
        draws = f["results/greedy_self_play/mean"][p][0]
        never = f["results/never_loses_to_minimax/mean"][p]
        n = int(f["results/outcomes/count"][p])
        ax.set_title(f"{_points_label(f, p, ['epsilon', 'learning-rate'])}, {n} learners; greedy self-play draws "
                     f"{draws:.3f}; never lose to minimax: {never * n:.0f}/{n}", fontsize=8)
        ax.set_xlabel("round")
        ax.set_ylabel(f"frequency in the last {_text(f.attrs.get('window', '?'))} rounds")
        ax.set_ylim(-0.02, 1.02)
        ax.legend(fontsize=8)
    fig.suptitle("tic-tac-toe self-play (Fig. 11.7), schedule " + _text(f.attrs.get("epsilon-schedule", "?")), fontsize=9)
    fig.tight_layout()
    fig.savefig(output, dpi=110)
    plt.close(fig)


def plot_td_lambda(f, output, plt):
    lam = f["points/lambda"][:]
    rate = f["points/learning-rate"][:]
    mean, err = f["results/rms_error_average/mean"][:], f["results/rms_error_average/stderr"][:]
    fig, ax = plt.subplots(figsize=(6, 4.2))
    for a in np.unique(rate):
        sel = rate == a
        order = np.argsort(lam[sel])
        ax.errorbar(lam[sel][order], mean[sel][order], yerr=err[sel][order], marker="o", ms=3, capsize=2,
                    label=f"alpha = {a:g}")
    ax.set_xlabel("lambda")
    ax.set_ylabel(f"RMS value error, mean over {_text(f.attrs.get('episodes', '?'))} episodes")
    ax.set_title(f"TD(lambda) (11.20) on a chain of {_text(f.attrs.get('chain-length', '?'))} states", fontsize=9)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(output, dpi=110)
    plt.close(fig)


PLOTS = {
    "associative-q": ("-rl-fig11.5.png", plot_associative),
    "reward-penalty": ("-rl-fig11.2.png", plot_reward_penalty),
    "tictactoe": ("-rl-fig11.7.png", plot_tictactoe),
    "td-lambda": ("-rl-td-lambda.png", plot_td_lambda),
}


def parse_args(argv):
    parser = argparse.ArgumentParser(description="Figures of nnsim-rl output files (book chapter 11).")
    parser.add_argument("files", metavar="FILE", nargs="+", help="nnsim-rl output files")
    parser.add_argument("-o", "--output", metavar="PREFIX", help="prefix of the PNGs (default: the file name)")
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    import h5py
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    jobs = []
    for n, path in enumerate(args.files):
        try:
            f = h5py.File(path, "r")
        except OSError as e:
            print(f"plot_rl.py: cannot open '{path}': {e}", file=sys.stderr)
            return 2
        program = _text(f.attrs.get("program", ""))
        experiment = _text(f.attrs.get("experiment", ""))
        if program != "nnsim-rl" or experiment not in PLOTS:
            print(f"plot_rl.py: '{path}' is not an nnsim-rl file (program '{program}', experiment '{experiment}')",
                  file=sys.stderr)
            return 2
        prefix = args.output or (path[:-3] if path.endswith(".h5") else path)
        if args.output and n > 0:
            prefix += f"-{n + 1}"
        jobs.append((f, prefix + PLOTS[experiment][0], PLOTS[experiment][1]))
    for f, output, plot in jobs:
        try:
            plot(f, output, plt)
        except (KeyError, ValueError, InputError) as e:
            print(f"plot_rl.py: '{f.filename}': missing or malformed data: {e}", file=sys.stderr)
            if os.path.exists(output):
                os.remove(output)
            return 2
        print(output)
    return 0


if __name__ == "__main__":
    sys.exit(main())
