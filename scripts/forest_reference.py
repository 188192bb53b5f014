#!/usr/bin/env python3
"""Golden reference for the router's random forest classifier (scikit-learn).

What it does
    Builds a seeded synthetic classification data set shaped like a routing
    problem (4 classes = 4 routes, 32 continuous features, of which 8 are
    informative and 4 are linear combinations of those, with class overlap
    and 5% flipped labels, so accuracy is well below 100%), splits it into
    1200 training rows and 600 test rows (stratified), rounds every feature
    to 6 significant digits, and trains scikit-learn's

        RandomForestClassifier(n_estimators=100, criterion="gini",
                               max_features="sqrt", bootstrap=True,
                               max_depth=12, min_samples_leaf=2,
                               random_state=0)

    on the ROUNDED values, so the fixture is self-consistent: a
    reimplementation that reads the fixture sees exactly the numbers
    scikit-learn saw.  It records the test accuracy for random_state=0 and,
    because a different forest implementation cannot reproduce sklearn's
    random stream, the accuracy for random_state 0..9 with their mean and
    standard deviation (population std, ddof=0).  A Swift forest should land
    within a few standard deviations of the mean, not match seed 0 exactly.

    Output: Tests/TernEnsemblesTests/Fixtures/forest.json with
      "train": {"x": [[...32 floats], ...], "y": [...]},
      "test":  {"x": ..., "y": ...},
      "params", "dataset", "sklearn_accuracy", "sklearn_accuracies",
      "sklearn_accuracy_mean", "sklearn_accuracy_std", "sklearn_version",
      "script".
    Labels are the integers 0..3.

How to run it
    scikit-learn is NOT a project dependency: install it in a virtualenv
    outside the repo, e.g.

        python3 -m venv /work/venv-st
        /work/venv-st/bin/python -m pip install scikit-learn
        /work/venv-st/bin/python scripts/forest_reference.py

    (Run it from the repository root, or pass --out.)  The output is
    deterministic for a given scikit-learn/numpy version.
"""

import argparse
import json
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUT = REPO_ROOT / "Tests" / "TernEnsemblesTests" / "Fixtures" / "forest.json"

DATASET = {
    "generator": "sklearn.datasets.make_classification",
    "n_samples": 1800,
    "n_features": 32,
    "n_informative": 8,
    "n_redundant": 4,
    "n_repeated": 0,
    "n_classes": 4,
    "n_clusters_per_class": 2,
    "class_sep": 1.0,
    "flip_y": 0.05,
    "random_state": 42,
    "n_train": 1200,
    "n_test": 600,
    "split": "train_test_split(test_size=600, stratify=y, random_state=42)",
    "feature_rounding": "6 significant digits",
}

PARAMS = {
    "n_estimators": 100,
    "criterion": "gini",
    "max_features": "sqrt",
    "bootstrap": True,
    "max_depth": 12,
    "min_samples_leaf": 2,
    "random_state": 0,
}

SEEDS = list(range(10))


def round_sig(x: float, digits: int = 6) -> float:
    return float(format(float(x), f".{digits}g"))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help=f"output JSON (default: {DEFAULT_OUT})")
    args = parser.parse_args()

    import numpy as np
    import sklearn
    from sklearn.datasets import make_classification
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.model_selection import train_test_split

    X, y = make_classification(
        n_samples=DATASET["n_samples"], n_features=DATASET["n_features"],
        n_informative=DATASET["n_informative"], n_redundant=DATASET["n_redundant"],
        n_repeated=DATASET["n_repeated"], n_classes=DATASET["n_classes"],
        n_clusters_per_class=DATASET["n_clusters_per_class"], class_sep=DATASET["class_sep"],
        flip_y=DATASET["flip_y"], random_state=DATASET["random_state"],
    )
    # Round first; everything below (training, evaluation, the fixture) uses the rounded values.
    X = np.array([[round_sig(v) for v in row] for row in X], dtype=np.float64)
    y = y.astype(int)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=DATASET["n_test"], stratify=y, random_state=DATASET["random_state"])
    assert len(X_train) == DATASET["n_train"]

    def accuracy(seed: int) -> float:
        p = dict(PARAMS, random_state=seed)
        clf = RandomForestClassifier(**p, n_jobs=1).fit(X_train, y_train)
        return float(clf.score(X_test, y_test))

    accs = [accuracy(s) for s in SEEDS]
    assert SEEDS[0] == PARAMS["random_state"]
    for s, a in zip(SEEDS, accs):
        print(f"random_state={s}: test accuracy {a:.4f}", file=sys.stderr)
    mean, std = float(np.mean(accs)), float(np.std(accs))
    print(f"mean {mean:.4f}  std {std:.4f}", file=sys.stderr)

    doc = {
        "params": PARAMS,
        "dataset": DATASET,
        "sklearn_accuracy": accs[0],
        "sklearn_accuracies": accs,
        "sklearn_accuracy_seeds": SEEDS,
        "sklearn_accuracy_mean": round(mean, 6),
        "sklearn_accuracy_std": round(std, 6),
        "sklearn_version": sklearn.__version__,
        "script": "scripts/forest_reference.py",
    }

    # One data row per line keeps the file readable.
    def rows(M):
        return ",\n      ".join(json.dumps([float(v) for v in r], separators=(",", ":")) for r in M)

    args.out.parent.mkdir(parents=True, exist_ok=True)
    head = json.dumps(doc, indent=2)[:-2]
    with open(args.out, "w", encoding="utf-8") as f:
        f.write(head + ",\n")
        for name, Xs, ys in (("train", X_train, y_train), ("test", X_test, y_test)):
            f.write(f'  "{name}": {{\n    "y": {json.dumps([int(v) for v in ys], separators=(",", ":"))},\n')
            f.write(f'    "x": [\n      {rows(Xs)}\n    ]\n  }}{"," if name == "train" else ""}\n')
        f.write("}\n")

    # Sanity check: reload and retrain from the file itself.
    back = json.load(open(args.out, encoding="utf-8"))
    Xtr, ytr = np.array(back["train"]["x"]), np.array(back["train"]["y"])
    Xte, yte = np.array(back["test"]["x"]), np.array(back["test"]["y"])
    assert Xtr.shape == (DATASET["n_train"], DATASET["n_features"]) and Xte.shape == (DATASET["n_test"], DATASET["n_features"])
    again = RandomForestClassifier(**PARAMS, n_jobs=1).fit(Xtr, ytr).score(Xte, yte)
    assert again == back["sklearn_accuracy"], (again, back["sklearn_accuracy"])
    size = args.out.stat().st_size
    print(f"wrote {args.out} ({size} bytes)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
