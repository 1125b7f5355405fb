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
