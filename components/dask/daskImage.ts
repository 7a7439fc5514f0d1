/**
 * Dask image tag used when none is given: the app version of the dask chart
 * 2024.1.1, the newest tag that chart was released and tested with. Scheduler,
 * workers and notebook share it so that client and cluster versions match.
 */
export const DEFAULT_DASK_IMAGE_TAG = "2024.1.0";
export const DEFAULT_DASK_IMAGE = "ghcr.io/dask/dask";
export const DEFAULT_NOTEBOOK_IMAGE = "ghcr.io/dask/dask-notebook";

/**
 * First Dask release whose images dropped the `dask-scheduler` and
 * `dask-worker` entry points; from it on only `dask scheduler` / `dask worker`
 * exist, while the chart still renders the old commands.
 */
export const SUBCOMMAND_ONLY_SINCE: readonly [number, number, number] = [2026, 6, 0];

/** How the scheduler and worker processes are started. */
export type DaskEntrypoints = "legacy" | "subcommand";

/**
 * How the Dask processes are started: `auto` picks from the image tag; the
 * others force a style (for custom images whose tag says nothing).
 */
export const DaskEntrypointsSetting = {
    /** From the image tag: `subcommand` from 2026.6.0 on, `legacy` before. */
    Auto: "auto",
    /** `dask-scheduler` / `dask-worker`, as the chart renders them. */
    Legacy: "legacy",
    /** `dask scheduler` / `dask worker`, the only ones newer images have. */
    Subcommand: "subcommand",
} as const;
export type DaskEntrypointsSetting = (typeof DaskEntrypointsSetting)[keyof typeof DaskEntrypointsSetting];

const CALVER = /^v?(\d{4})\.(\d{1,2})\.(\d+)(?:[-.+].*)?$/;

/** The calendar version in a tag such as `2026.6.0` or `2024.1.0-py3.11`, if any. */
export function tagVersion(tag: string): [number, number, number] | undefined {
    const match = CALVER.exec(tag);
    return match ? [Number(match[1]), Number(match[2]), Number(match[3])] : undefined;
}

/**
 * The entry points an image has: forced by `setting`, else read from the tag.
 * Undefined when `auto` cannot tell (a tag without a calendar version).
 */
export function entrypointsFor(tag: string, setting: DaskEntrypointsSetting): DaskEntrypoints | undefined {
    if (setting !== "auto") {
        return setting;
    }
    const version = tagVersion(tag);
    if (version === undefined) {
        return undefined;
    }
    for (let i = 0; i < 3; i++) {
        if (version[i] !== SUBCOMMAND_ONLY_SINCE[i]) {
            return version[i] > SUBCOMMAND_ONLY_SINCE[i] ? "subcommand" : "legacy";
        }
    }
    return "subcommand";
}
