/**
 * The `memory_gb` with: option that plan and preprocess share: one schema, one description, so the two stages
 * cannot drift apart in what a null budget means.
 */
export const MEMORY_GB_OPTION = {
  type: 'number',
  nullable: true,
  exclusiveMinimum: 0,
  default: null,
  description:
    "Memory budget in GiB for the cases in flight (estimated per case). null: what the machine, its Slurm job or cgroup offers, less a margin. A case above its worker's share of the budget runs alone.",
} as const;
