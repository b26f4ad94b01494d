#!/usr/bin/python3
"""Plots a training run of `nnsim-sgd` (a multilayer perceptron trained by SGD on Fashion-MNIST;
B. Mehlig, "Machine learning with neural networks", chapters 6-8).

  /usr/bin/python3 analysis/plot_sgd.py RUN.h5 [-o PREFIX]

Two figures, one PNG each (PREFIX defaults to RUN.h5 without ".h5"):

  PREFIX-sgd-curves.png     Learning curves against the epoch (/history/epoch): left the loss
      per sample on the training set (mean over the epoch's mini-batches, during training) and on
      the validation set, right the classification accuracy of both -- the shape of the book's
      Fig. 6.7. A vertical line marks the epoch whose weights were kept (root attribute
      best_epoch: the lowest validation error, or loss with --stop-on loss); when training ended
      by early stopping (stopped_early = 1) a second, dotted line marks the last epoch, with the
      patience in the legend. The title gives the layers, the optimiser and the test accuracy.
  PREFIX-sgd-confusion.png  The confusion matrix of the test set (/test/confusion [true,
      predicted]), each row normalised to the fraction of that class, counts written in the
      cells; Fashion-MNIST's class names on the axes when there are 10 classes.

An ensemble-mode file (`nnsim-sgd --ensemble`: independent trainings, no /history) gives one
figure instead:

  PREFIX-sgd-ensemble.png   Left the test accuracy of every training against its sample number
      with the ensemble mean and its standard error (/results/test_accuracy/{samples,mean,
      stderr}); right the histogram of the epoch whose weights were kept (/results/best_epoch).

The paths of the written PNGs are printed, one per line. A missing or invalid input file (not
an nnsim-sgd file, i.e. root attribute program != "nnsim-sgd", or a dataset missing) gives exit
code 2 and a message on stderr, and no figure is written.
"""

import argparse
import os
import sys

import matplotlib

matplotlib.use("Agg")
import h5py  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

FASHION_CLASSES = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag",
                   "Ankle boot"]


class InputError(Exception):
    pass


def _text(value):
    return value.decode() if isinstance(value, bytes) else str(value)


def _open_sgd_file(path):
    """The open HDF5 file of an nnsim-sgd output; InputError for a missing file or another program."""
    if not os.path.isfile(path):
        raise InputError(f"{path}: no such file")
    f = h5py.File(path, "r")
    if _text(f.attrs.get("program", "")) != "nnsim-sgd":
        program = _text(f.attrs.get("program", "missing"))
        f.close()
        raise InputError(f"{path}: not an nnsim-sgd output (root attribute program is {program!r})")
    return f


def read_run(path):
    """The numbers the figures are drawn from, as a dict of numpy arrays and scalars."""
    try:
        with _open_sgd_file(path) as f:
            h = f["history"]
            run = {k: np.asarray(h[k][()]) for k in ("epoch", "train_loss", "validation_loss", "train_accuracy",
                                                       "validation_accuracy")}
            run["confusion"] = np.asarray(f["test/confusion"][()])
            run["test_accuracy"] = float(f["test/accuracy"][()])
            run["best_epoch"] = int(f.attrs["best_epoch"])
            run["stopped_early"] = bool(f.attrs["stopped_early"])
            run["patience"] = int(f.attrs["patience"])
            run["layers"] = _text(f.attrs["layers"])
            run["optimizer"] = _text(f.attrs["optimizer"])
            run["stop_on"] = _text(f.attrs.get("stop-on", "error"))
    except (KeyError, OSError) as e:
        raise InputError(f"{path}: not a complete nnsim-sgd file ({e})") from e
    n = len(run["epoch"])
    for k in ("train_loss", "validation_loss", "train_accuracy", "validation_accuracy"):
        if run[k].shape != (n,):
            raise InputError(f"{path}: /history/{k} has shape {run[k].shape}, expected ({n},)")
    c = run["confusion"]
    if c.ndim != 2 or c.shape[0] != c.shape[1]:
        raise InputError(f"{path}: /test/confusion is not a square matrix")
    return run


def is_ensemble(path):
    """True for an `nnsim-sgd --ensemble` file (independent trainings, no learning curves)."""
    with h5py.File(path, "r") as f:
        return "history" not in f and "results/test_accuracy/samples" in f


def read_ensemble(path):
    """Per-training numbers of an ensemble-mode file, as a dict of numpy arrays and scalars."""
    try:
        with _open_sgd_file(path) as f:
            r = f["results"]
            ens = {k: np.asarray(r[k + "/samples"][()]).reshape(-1) for k in ("test_accuracy", "best_epoch")}
            ens["mean"] = float(np.asarray(r["test_accuracy/mean"][()]).reshape(-1)[0])
            ens["stderr"] = float(np.asarray(r["test_accuracy/stderr"][()]).reshape(-1)[0])
            ens["first_sample"] = int(f.attrs.get("first-sample", 0))
            ens["layers"] = _text(f.attrs["layers"])
            ens["optimizer"] = _text(f.attrs["optimizer"])
    except (KeyError, OSError) as e:
        raise InputError(f"{path}: not a complete nnsim-sgd ensemble file ({e})") from e
    if ens["test_accuracy"].shape != ens["best_epoch"].shape or ens["test_accuracy"].size == 0:
        raise InputError(f"{path}: /results/test_accuracy and /results/best_epoch do not list the same trainings")
    return ens


def plot_ensemble(ens, out):
    acc = ens["test_accuracy"]
    n = acc.size
    fig, (ax_acc, ax_epoch) = plt.subplots(1, 2, figsize=(11, 4.2))
    samples = ens["first_sample"] + np.arange(n)
    ax_acc.plot(samples, acc, "o", ms=4, label="one training each")
    ax_acc.axhline(ens["mean"], color="k", lw=1, label=f"mean {ens['mean']:.4f} +- {ens['stderr']:.4f} (s.e.)")
    ax_acc.axhspan(ens["mean"] - ens["stderr"], ens["mean"] + ens["stderr"], color="k", alpha=0.12)
    ax_acc.set_xlabel("training (sample number: its own initial weights and shuffles)")
    ax_acc.set_ylabel("test accuracy")
    ax_acc.legend(fontsize=8)
    ax_acc.grid(alpha=0.3)
    epochs = ens["best_epoch"].astype(int)
    bins = np.arange(epochs.min(), epochs.max() + 2) - 0.5
    ax_epoch.hist(epochs, bins=bins, color="tab:orange", edgecolor="k")
    ax_epoch.set_xlabel("epoch whose weights were kept (lowest validation error)")
    ax_epoch.set_ylabel("trainings")
    ax_epoch.grid(alpha=0.3)
    from matplotlib.ticker import MaxNLocator
    for axis in (ax_acc.xaxis, ax_epoch.xaxis, ax_epoch.yaxis):
        axis.set_major_locator(MaxNLocator(integer=True))
    fig.suptitle(f"nnsim-sgd --ensemble {ens['layers']}, {ens['optimizer']}: {n} independent trainings")
    fig.tight_layout()
    fig.savefig(out, dpi=110)
    plt.close(fig)


def plot_curves(run, out):
    fig, (ax_loss, ax_acc) = plt.subplots(1, 2, figsize=(11, 4.2))
    e = run["epoch"]
    ax_loss.plot(e, run["train_loss"], "o-", ms=3, label="training")
    ax_loss.plot(e, run["validation_loss"], "s-", ms=3, label="validation")
    ax_acc.plot(e, run["train_accuracy"], "o-", ms=3, label="training")
    ax_acc.plot(e, run["validation_accuracy"], "s-", ms=3, label="validation")
    for ax in (ax_loss, ax_acc):
        ax.axvline(run["best_epoch"], color="k", ls="--", lw=1,
                   label=f"weights kept (epoch {run['best_epoch']}, lowest validation {run['stop_on']})")
        if run["stopped_early"]:
            ax.axvline(e[-1], color="grey", ls=":", lw=1.5,
                       label=f"early stop (patience {run['patience']})")
        ax.set_xlabel("epoch")
        ax.grid(alpha=0.3)
    ax_loss.set_ylabel("loss per sample")
    ax_acc.set_ylabel("accuracy")
    ax_loss.legend(fontsize=8)
    ax_acc.legend(fontsize=8, loc="lower right")
    fig.suptitle(f"nnsim-sgd {run['layers']}, {run['optimizer']}: test accuracy {run['test_accuracy']:.4f}")
    fig.tight_layout()
    fig.savefig(out, dpi=110)
    plt.close(fig)


def plot_confusion(run, out):
    c = run["confusion"].astype(float)
    k = c.shape[0]
    rows = c.sum(axis=1, keepdims=True)
    fraction = np.divide(c, rows, out=np.zeros_like(c), where=rows > 0)
    fig, ax = plt.subplots(figsize=(7.5, 6.5))
    image = ax.imshow(fraction, cmap="viridis", vmin=0, vmax=1)
    fig.colorbar(image, ax=ax, label="fraction of the true class")
    names = FASHION_CLASSES if k == 10 else [str(i) for i in range(k)]
    ax.set_xticks(range(k), names, rotation=60, ha="right", fontsize=8)
    ax.set_yticks(range(k), names, fontsize=8)
    for i in range(k):
        for j in range(k):
            if c[i, j] > 0:
                ax.text(j, i, f"{int(c[i, j])}", ha="center", va="center", fontsize=6,
                        color="black" if fraction[i, j] > 0.5 else "white")
    ax.set_xlabel("predicted class")
    ax.set_ylabel("true class")
    ax.set_title(f"test set: accuracy {run['test_accuracy']:.4f} ({int(np.trace(c))} of {int(c.sum())})")
    fig.tight_layout()
    fig.savefig(out, dpi=110)
    plt.close(fig)


def main(argv=None):
    p = argparse.ArgumentParser(description="Learning curves and confusion matrix of an nnsim-sgd run.")
    p.add_argument("file")
    p.add_argument("-o", "--output-prefix")
    a = p.parse_args(argv)
    prefix = a.output_prefix or (a.file[:-3] if a.file.endswith(".h5") else a.file)
    try:
        ensemble = os.path.isfile(a.file) and h5py.is_hdf5(a.file) and is_ensemble(a.file)
        if ensemble:
            ens = read_ensemble(a.file)
        else:
            run = read_run(a.file)
    except InputError as e:
        print(f"plot_sgd.py: error: {e}", file=sys.stderr)
        return 2
    if ensemble:
        outputs = [prefix + "-sgd-ensemble.png"]
        plot_ensemble(ens, outputs[0])
    else:
        outputs = [prefix + "-sgd-curves.png", prefix + "-sgd-confusion.png"]
        plot_curves(run, outputs[0])
        plot_confusion(run, outputs[1])
    for o in outputs:
        print(o)
    return 0


if __name__ == "__main__":
    sys.exit(main())
