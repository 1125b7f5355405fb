/**
 * Each command's own help (`pipe run --help`, `pipe status -h`, `pipe help gc`): usage, what it
 * does, its options. Printed on stdout with exit 0 before the command parses its flags, so a
 * `--help` anywhere before `--` wins over a missing FILE or another flag's error.
 */

const RUN_OPTIONS = `  --set params.k=v     override a param (repeatable); the value is YAML (--set params.epochs=3)
  -j, --jobs N         run at most N instances at once (default: the device pool's size)
  --devices LIST       device ids of the pool (0,1,2,3); replaces the detected ones
  --device-kind KIND   cpu, cuda or npu: the kind of that pool
  -k, --keep-going     after a failure, keep running the instances that do not depend on it
  -n, --dry-run        list what would run (key, verdict, command, devices); write nothing
  --json               one JSON event per line on stdout instead of the human view
  --wait               wait for a store locked by another run instead of exiting 3
  --progress MODE      auto (tty when stdout is a terminal, else plain), tty (a live footer),
                       plain (a line per running instance every PIPE_PROGRESS_PLAIN_MS, default
                       30 s, and at each epoch end, never more often), none (start/end lines only)
  --executor KIND      local (child processes here) or slurm (one sbatch job per instance); overrides
                       the pipeline's executor: block for this run and changes no key
  --detach             (slurm) submit what is ready, dependents with --dependency=afterok, and exit;
                       pipe status / pipe resume pick the run up later
  -h, --help           this help`;

export const COMMAND_HELP: Readonly<Record<string, string>> = {
  run: `Usage: pipe run FILE [STAGE...] [options]

Runs the pipeline in FILE: what is cached is reused, the rest runs (STAGE...: only these stage ids
or instance names, such as train[fold=0], and what they need). Ends with a summary and, when the
run has a report stage, where its report.html and report.md are.

Options:
${RUN_OPTIONS}`,
  resume: `Usage: pipe resume [FILE] [options]

Repeats the last run (of FILE, or the last run recorded in ./cache or $PIPE_CACHE) with its
overrides and targets: finished instances are cached, interrupted ones continue from their
workspace (a training fold from its checkpoint). --set adds overrides to the recorded ones.

Options:
${RUN_OPTIONS}`,
  status: `Usage: pipe status [FILE] [options]

Shows each instance of the pipeline (without FILE: the pipeline of the last run): done, cached,
running (epoch, loss, samples/s, ETA), pending, stale with the reason, failed with its log.
It describes the run in progress or the last run of FILE, with that run's --set overrides (its
header says which run); --current shows the YAML as it now stands instead.

Options:
  --current            the pipeline as the YAML now stands, without the last run's overrides
  --set params.k=v     look at the pipeline with this override (repeatable; implies --current)
  --why STAGE          what changed in the key of STAGE (a stage id or instance name), field by field
  --json               the status as one JSON object
  -h, --help           this help`,
  report: `Usage: pipe report [FILE] [options]

Prints where the report stage's report.html, report.md and report.json are, and the report's
summary table (without FILE: the pipeline of the last run), for the run in progress or the last
run with its --set overrides. Exit 1 when no report is finished.

Options:
  --current            the pipeline as the YAML now stands, without the last run's overrides
  --set params.k=v     look at the pipeline with this override (repeatable; implies --current)
  --json               the paths as JSON
  -h, --help           this help`,
  runs: `Usage: pipe runs [FILE] [options]

Lists every run of the pipeline in FILE (without FILE: the pipeline of the last run recorded in
./cache or $PIPE_CACHE) that its store's journal records, newest first, runs of a copy of the file
elsewhere included (same name:). One line per run: its short id (what pipe compare takes), start,
duration, state (running, finished, failed, interrupted) with the counts of its instances, executor
(local or slurm) and --set overrides; below it what is running (with its progress) or failed (with
its error and log), and the headline of its report (mean Dice ± std over folds per label).

Options:
  --json               the runs as one JSON object
  -h, --help           this help`,
  compare: `Usage: pipe compare [FILE] RUN_A RUN_B [RUN...] [options]

Sets runs side by side, RUN_A as the baseline. A run is an id or a prefix of one (pipe runs shows
the short ids), last (the newest run of the pipeline) or last~N (the Nth before it). FILE (a .yaml
path) names the store and the pipeline last counts in; without it, ./cache or $PIPE_CACHE and the
pipeline of its last run.

Shows what differs (params, and per stage the key inputs that changed: epochs 34 → 20), the time
each stage took to build, and for a report stage per label: mean ± std over folds, per-fold Dice,
and the paired difference (other run - baseline) over the validation cases both runs share: mean,
95% bootstrap CI (10000 resamples, seed 0), the Wilcoxon signed-rank p-value as scipy 1.10's
wilcoxon computes it by default (exact for n <= 50 without zero differences, else the normal
approximation), and how many cases got better, worse or stayed equal; then training time and
samples/s. Cases only one run validated, or without a Dice, are counted and left out of the test.

Options:
  --json               the comparison as one JSON object
  --html OUT           also write a self-contained page with a paired dot plot per label
  -h, --help           this help`,
  gc: `Usage: pipe gc [FILE] [options]

Removes the store's objects that no pipeline recorded in the journal references with its current
keys (the store of FILE, else ./cache or $PIPE_CACHE). A store whose journal is missing or empty
is refused (exit 2) while it holds objects: nothing shows which are in use. A dry run during a run
leaves that run's folders out.

Options:
  -n, --dry-run        list what would be removed; remove nothing
  --force              remove the objects even when the journal is missing or empty
  --json               the result as JSON
  -h, --help           this help`,
  verify: `Usage: pipe verify [FILE] [options]

Rehashes every file of every committed object the pipeline uses (the last run's, with its
overrides) and reports damage: a file changed, truncated or missing since it was committed.
Exit 1 when anything is damaged. Objects committed before content digests were recorded are
listed as unverified.

Options:
  --set params.k=v     look at the pipeline with this override (repeatable)
  --repair             drop damaged objects so that the next run rebuilds them (exit 0)
  --json               the result as JSON
  -h, --help           this help`,
  watch: `Usage: pipe watch FILE [STAGE...] [options]

Runs the pipeline, then reruns what became stale whenever FILE or an input it declares changes,
until interrupted (Ctrl-C).

Options:
${RUN_OPTIONS}`,
};

/** True when `--help` or `-h` appears among the arguments before a `--`. */
function asksForHelp(args: readonly string[]): boolean {
  const end = args.indexOf('--');
  return (end === -1 ? args : args.slice(0, end)).some((a) => a === '--help' || a === '-h');
}

/** The help to print for `pipe COMMAND ... --help` or `pipe help COMMAND`, if that is what argv asks. */
export function helpFor(command: string | undefined, args: readonly string[]): string | undefined {
  if (command === 'help' && args[0] !== undefined) return COMMAND_HELP[args[0]];
  if (command === undefined || !asksForHelp(args)) return undefined;
  return COMMAND_HELP[command];
}
