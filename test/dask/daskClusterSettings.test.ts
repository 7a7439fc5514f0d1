/**
 * The patterns of DaskCluster's settings against examples written by hand,
 * independently of the regular expressions: what pip, conda, Debian and
 * registries accept, and what would reach the images' start script as shell
 * syntax or an option. The property suite generates from the same patterns,
 * so these examples are what keeps the patterns themselves honest.
 */
import { describe, it } from "node:test";
import * as assert from "node:assert/strict";
import { validateDaskClusterArgs } from "../../components/dask/daskClusterValidation";
import type { DaskClusterArgs } from "../../components/dask/DaskCluster";

/** The rule a value breaks, or undefined when DaskCluster accepts it (with a password, so that only the value matters). */
function problemWith(args: DaskClusterArgs): string | undefined {
    const issues = validateDaskClusterArgs({ ...args, jupyter: { password: "a long password", ...args.jupyter } });
    return issues.length === 0 ? undefined : issues.map((i) => `${i.path}: ${i.rule}`).join("; ");
}

const cases: [string, (value: string) => DaskClusterArgs, string[], string[]][] = [
    [
        "pip requirement",
        (v) => ({ packages: { pip: [v] } }),
        [
            "dask-ml==2024.4.4",
            "s3fs",
            "pandas[parquet,performance]>=2.1",
            "numpy~=1.26",
            "torch==2.3.0+cpu",
            "git+https://github.com/dask/dask-ml@main#egg=dask-ml",
        ],
        ["dask ml", "-r requirements.txt", "--index-url=http://x", "'s3fs'", "x;rm -rf /", "$(id)", "a|b", ""],
    ],
    [
        "conda spec",
        (v) => ({ packages: { conda: [v] } }),
        ["numba", "xarray>=2024.1", "conda-forge::zarr", "python=3.11", "scipy>=1.10,<2"],
        ["numba xarray", "-c conda-forge", "'numba'", "x&&y", "x`id`"],
    ],
    [
        "conda channel",
        (v) => ({ packages: { conda: ["numba"], condaChannels: [v] } }),
        ["conda-forge", "bioconda", "https://conda.anaconda.org/conda-forge"],
        ["conda forge", "-c", "x;y"],
    ],
    [
        "Debian package",
        (v) => ({ packages: { apt: [v] } }),
        ["graphviz", "libgl1", "g++", "graphviz=2.42.2-7", "libc6=2.36-9+deb12u4"],
        ["Graphviz", "-y", "graphviz graphviz-dev", "x;y", "_x"],
    ],
    [
        "image repository",
        (v) => ({ image: { repository: v } }),
        ["ghcr.io/dask/dask", "daskdev/dask", "localhost:5000/team/dask", "registry.example.com/a__b/c--d", "dask"],
        ["ghcr.io/dask/dask:2024.1.0", "dask/Dask", "dask:2024", "ghcr.io/dask/", "/dask", "ghcr.io//dask"],
    ],
    [
        "image tag",
        (v) => ({ image: { tag: v, entrypoints: "legacy" } }),
        ["2024.1.0", "2026.7.1-py3.12", "nightly_20261130", "v1"],
        ["", "-2024", "2024.1.0 ", "a".repeat(129), "tag:x"],
    ],
    ["fullname", (v) => ({ fullname: v }), ["dask", "team-a-dask", "a", "a".repeat(53)], ["Dask", "-dask", "dask-", "a".repeat(54), "team_a"]],
];

describe("DaskCluster setting patterns, by example", () => {
    for (const [what, args, accepted, refused] of cases) {
        it(`${what}: accepts what its tool accepts`, () => {
            for (const value of accepted) {
                assert.equal(problemWith(args(value)), undefined, `${JSON.stringify(value)} should be accepted`);
            }
        });
        it(`${what}: refuses whitespace, quotes, shell syntax, options and malformed names`, () => {
            for (const value of refused) {
                assert.ok(problemWith(args(value)) !== undefined, `${JSON.stringify(value)} should be refused`);
            }
        });
    }
});
