/**
 * Property-based tests of the stack config loader (loadStackConfig).
 *
 * 1. Generated stack configs that every rule accepts load without an error,
 *    into the components' args: the worker autoscaler at
 *    `dask.workers.autoscaling` exactly when `autoscaling.enabled` is not
 *    false, the Jupyter password and secretEnv values as Pulumi secrets.
 *    The generators follow the settings schemas and checks (config/stackConfig.ts,
 *    components/*): the same ranges, patterns and cross-field rules.
 * 2. One mutation of such a config (a value out of range, a wrong type, an
 *    unknown key, a malformed CIDR, ...) is refused with a StackConfigError
 *    whose message names the full key and the value as the loader shows it.
 *
 * Secret-ness comes only from the stack file (RawStackConfig.stackFile): the
 * paths of its `secure:` and of its plain values. The generated stacks hold
 * each top-level key in the stack file, secrets encrypted (leaf by leaf, or a
 * whole secretEnv set with `--secret`), or take it from an ESC environment
 * (in neither list: taken as it comes). The secret rules:
 * - a secure value outside jupyterPassword and secretEnv is refused, one line
 *   per path, and nothing else is checked (the other rules would show it);
 * - a plain value of the stack file under jupyterPassword or secretEnv is
 *   refused as stored in plaintext, one line per path;
 * - a value under a key that holds a secure value is shown as `(secret)`.
 * Value-level problems (types, ranges, patterns) come first; the rules
 * between settings (min <= max, request <= limit, LoadBalancer ranges,
 * Jupyter off with its settings, replicas while autoscaling, ...) are
 * checked once every value is well-formed, also inside a disabled
 * autoscaling block.
 *
 * The bugs these properties found (E/Ei suffixes, float ties of quantities,
 * a top-level `__proto__`, "name:digits" repositories, secrets shown by other
 * rules) are fixed, and the generators produce those cases.
 *
 * fast-check picks a new random seed each run and prints it with any
 * counterexample. To replay one:
 *   FC_SEED=<seed> FC_PATH=<path> node --import tsx --test test/config/configProperties.test.ts
 */
import { after, describe, it } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { APT_SPEC, CONDA_CHANNEL, CONDA_SPEC, FULLNAME, IMAGE_REPOSITORY, IMAGE_TAG, PIP_SPEC } from "../../components/dask/daskClusterSettings";
import { CLUSTER_NAMESPACES } from "../../components/dask/daskClusterValidation";
import fc from "fast-check";
import { RawStackConfig, SECRET_SETTINGS, StackConfigError, StackFileValues, loadStackConfig } from "../../config/index";
import { DNS_LABEL, MAX_INT32, show } from "../../components/common/validation";
import { LOGIN_REVISION_ENV, PACKAGE_ENV, PASSWORD_HASH_ENV, SECRET_ENV_REVISION_ENV } from "../../components/dask/daskValues";
import { promiseOf } from "../mocks";
import { writeKubeconfig } from "../stackConfig";

const PROJECT = "daskk8s";
const VALID_RUNS = 200;
const MUTATION_RUNS = 500;

/** fast-check parameters: a reported seed and path replay a failure. */
const replay = process.env.FC_SEED !== undefined ? { seed: Number(process.env.FC_SEED), path: process.env.FC_PATH } : {};
/** Each property's parameters; the report shows the loader's message, not only the counterexample. */
const params = (numRuns: number): fc.Parameters<unknown> => ({ ...replay, numRuns, includeErrorInReport: true });

// ---------------------------------------------------------------------------
// Files the loader reads: kubeconfigs and local charts.

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "daskk8s-config-props-"));
after(() => fs.rmSync(dir, { recursive: true, force: true }));

const envKubeconfig = writeKubeconfig(fs.mkdtempSync(path.join(dir, "env-")), ["minikube", "kind-ci"]);
const otherKubeconfig = writeKubeconfig(fs.mkdtempSync(path.join(dir, "other-")), ["kind-ci", "prod"]);
const home = path.join(dir, "home");
fs.mkdirSync(path.join(home, ".kube"), { recursive: true });
fs.copyFileSync(otherKubeconfig, path.join(home, ".kube", "config"));
const brokenKubeconfig = path.join(dir, "broken-kubeconfig");
fs.writeFileSync(brokenKubeconfig, "contexts: [unclosed\n");
const chartDir = fs.mkdtempSync(path.join(dir, "chart-"));
const chartTgz = path.join(dir, "chart.tgz");
fs.writeFileSync(chartTgz, "");
const notAChart = path.join(dir, "chart.txt");
fs.writeFileSync(notAChart, "");
const ALL_CONTEXTS = ["minikube", "kind-ci", "prod"];

/** $KUBECONFIG is one file, $HOME/.kube/config another. */
const env = { KUBECONFIG: envKubeconfig, HOME: home };

/** How `kubeconfig.kubeconfigPath` can point at a file, and that file's contexts (the first is current). */
const KUBECONFIGS: { kubeconfigPath?: string; contexts: string[] }[] = [
    { contexts: ["minikube", "kind-ci"] },
    { kubeconfigPath: "~/.kube/config", contexts: ["kind-ci", "prod"] },
    { kubeconfigPath: envKubeconfig, contexts: ["minikube", "kind-ci"] },
    { kubeconfigPath: otherKubeconfig, contexts: ["kind-ci", "prod"] },
];

// ---------------------------------------------------------------------------
// A stack config, and how Pulumi hands it to the program.

type Settings = Record<string, any>;

interface StackCase {
    /** Settings under `daskk8s:`, by top-level key, as the stack file holds them. */
    settings: Settings;
    /** Keys of other namespaces (`aws:region`), as text. */
    other: Record<string, string>;
    /**
     * The stack file's values by path (`daskk8s:secretEnv.workers.TOKEN`, `daskk8s:dask.packages.pip[1]`),
     * as stackFileValues reads them: `secure:` (set with --secret) and plain.
     */
    stackFile: StackFileValues;
    /** Full top-level keys (`daskk8s:secretEnv`) an ESC environment provides: in neither list of the stack file. */
    fromEnv: string[];
}

/** Every value a string; objects as JSON, the way Pulumi passes them. */
function toRaw(c: Pick<StackCase, "settings" | "other" | "stackFile">): RawStackConfig {
    const values: Record<string, string> = { ...c.other };
    for (const [key, value] of Object.entries(c.settings)) {
        if (value !== undefined) {
            values[`${PROJECT}:${key}`] = typeof value === "string" ? value : JSON.stringify(value);
        }
    }
    return { project: PROJECT, stack: "props", values, stackFile: c.stackFile, env };
}

/** Leaf paths of a value, as stackFileValues names them: `daskk8s:secretEnv.workers.TOKEN`, `daskk8s:dask.packages.pip[1]`. */
function leaves(value: unknown, at: string): string[] {
    return value !== null && typeof value === "object"
        ? Object.entries(value).flatMap(([k, v]) => leaves(v, Array.isArray(value) ? `${at}[${k}]` : `${at}.${k}`))
        : [at];
}

/** Whether the stack file path `p` is `at` or a value inside it. */
const within = (p: string, at: string) => p === at || p.startsWith(`${at}.`) || p.startsWith(`${at}[`);

/** The top-level keys holding a secure value (what the loader hides values under), worked out here from the paths. */
const secretKeysOf = (file: StackFileValues) => [...new Set(file.secure.map((p) => p.split(/[.[]/)[0]))];

/** Drops undefined members, so that `in` and Object.keys see only what is set. */
function compact<T extends Record<string, unknown>>(obj: T): T {
    return Object.fromEntries(Object.entries(obj).filter(([, v]) => v !== undefined)) as T;
}

/** Undefined when empty. */
function nonEmpty<T extends Record<string, unknown>>(obj: T): T | undefined {
    const c = compact(obj);
    return Object.keys(c).length > 0 ? c : undefined;
}

const opt = <T>(arb: fc.Arbitrary<T>): fc.Arbitrary<T | undefined> => fc.option(arb, { nil: undefined });

/** A text as the loader reads a top-level value: JSON if it parses, else the text itself. */
function asPulumiValue(text: string): unknown {
    try {
        return JSON.parse(text);
    } catch {
        return text;
    }
}

// ---------------------------------------------------------------------------
// Patterns and ranges, as the validators define them.

// The patterns come from the implementation, which generates from them what
// it accepts; test/dask/daskClusterSettings.test.ts checks them against
// examples written independently of them.
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const RESERVED_ENV: string[] = [...PACKAGE_ENV, PASSWORD_HASH_ENV, LOGIN_REVISION_ENV, SECRET_ENV_REVISION_ENV, "JUPYTERLAB_ARGS"];
// daskImage.ts: with entrypoints "auto" the tag must carry a calendar version.
const CALVER = /^v?(\d{4})\.(\d{1,2})\.(\d+)(?:[-.+].*)?$/;
// chartSource.ts
const CHART_REPOSITORY = /^(https?|oci):\/\/\S+$/;
const CHART_VERSION = /^v?[0-9]+\.[0-9]+\.[0-9]+([-+][0-9A-Za-z.-]+)?$/;
// eksTargetSettings.ts
const KUBERNETES_VERSION = /^1\.[0-9]{2}$/;
const INSTANCE_TYPE = /^[a-z][a-z0-9-]*\.[a-z0-9]+$/;

const patterns = new Map<string, fc.Arbitrary<string>>();
/** fc.stringMatching, built once per pattern (building one is slow, and mutations are built per config). */
function matching(pattern: RegExp): fc.Arbitrary<string> {
    let arb = patterns.get(pattern.source);
    if (arb === undefined) {
        arb = fc.stringMatching(pattern);
        patterns.set(pattern.source, arb);
    }
    return arb;
}

const dnsLabel = matching(DNS_LABEL);
const count = (min: number, max: number = MAX_INT32) => fc.integer({ min, max });

const cidrV4 = (minPrefix = 0, maxPrefix = 32) => fc.tuple(fc.ipV4(), fc.integer({ min: minPrefix, max: maxPrefix })).map(([a, p]) => `${a}/${p}`);
const cidrV6 = fc.tuple(fc.ipV6(), fc.integer({ min: 0, max: 128 })).map(([a, p]) => `${a}/${p}`);
const cidr = fc.oneof(cidrV4(), cidrV6);

// --- Kubernetes quantities, with their exact value (a fraction) to order requests and limits.

interface Fraction {
    n: bigint;
    d: bigint;
}
interface Quantity {
    text: string | number;
    value: Fraction;
}

const DECIMAL_SUFFIX: Record<string, number> = { n: -9, u: -6, m: -3, "": 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };
const BINARY_SUFFIX: Record<string, number> = { Ki: 10, Mi: 20, Gi: 30, Ti: 40, Pi: 50, Ei: 60 };

/** The exact value of a quantity this file generates (decimal arithmetic, as Kubernetes does it). */
function exact(text: string): Fraction {
    const m = /^(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+)|(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E))?$/.exec(text);
    if (m === null) {
        throw new Error(`not a generated quantity: ${text}`);
    }
    const [, int, frac = "", exponent, suffix = ""] = m;
    let n = BigInt(`${int}${frac}` || "0");
    let d = 10n ** BigInt(frac.length);
    const power10 = exponent !== undefined ? Number(exponent) : (DECIMAL_SUFFIX[suffix] ?? 0);
    if (power10 >= 0) {
        n *= 10n ** BigInt(power10);
    } else {
        d *= 10n ** BigInt(-power10);
    }
    n *= 2n ** BigInt(BINARY_SUFFIX[suffix] ?? 0);
    return { n, d };
}

const compare = (a: Fraction, b: Fraction) => {
    const l = a.n * b.d;
    const r = b.n * a.d;
    return l < r ? -1 : l > r ? 1 : 0;
};

const mantissa = fc.oneof(
    fc.nat({ max: 100_000 }).map(String),
    fc.tuple(fc.nat({ max: 1000 }), matching(/^[0-9]{0,3}$/)).map(([i, f]) => `${i}.${f}`),
    matching(/^[0-9]{1,3}$/).map((f) => `.${f}`),
);
const quantitySuffix = fc.oneof(
    // "E" alone is exa and "Ei" 2^60, not an exponent (a bug once: "2E" was 2).
    fc.constantFrom(...Object.keys(DECIMAL_SUFFIX), ...Object.keys(BINARY_SUFFIX)),
    fc.tuple(fc.constantFrom("e", "E"), fc.constantFrom("", "+", "-"), fc.integer({ min: 0, max: 6 })).map(([e, s, x]) => `${e}${s}${x}`),
);
const quantityText = fc.tuple(mantissa, quantitySuffix).map(([m, s]) => m + s);
const quantity: fc.Arbitrary<Quantity> = fc.oneof(
    // Up to what Kubernetes stores: 2^63-1 base units ("8Ei" is one too many).
    quantityText.map((text) => ({ text, value: exact(text) })).filter(({ value }) => value.n <= (2n ** 63n - 1n) * value.d),
    // `pulumi config set --path ...cpu 2` stores a number; the loader passes it on as String(n).
    // Down to Number.MIN_VALUE (5e-324 once underflowed to 0 and was refused as a zero CPU request).
    fc
        .oneof(fc.nat({ max: 1_000_000 }), fc.double({ min: 0, max: 1e6, noNaN: true, noDefaultInfinity: true }))
        .map((n) => ({ text: n, value: exact(String(n)) })),
);

/** The same value written two ways, as request and limit. */
const quantityTie: fc.Arbitrary<[Quantity, Quantity]> = fc.tuple(fc.nat({ max: 100_000 }), fc.constantFrom("k", "Ki", "e3", "M", "m")).map(([k, form]) => {
    const [a, b] = {
        k: [`${k}k`, String(k * 1000)],
        Ki: [`${k}Ki`, String(k * 1024)],
        e3: [`${k}e3`, `${k}000`],
        M: [`${k}M`, `${k * 1000}k`],
        // "2300m" and "2.3" (as floats, 2300 * 1e-3 > 2.3: a bug once).
        m: [`${k}m`, `${Math.floor(k / 1000)}.${String(k % 1000).padStart(3, "0")}`],
    }[form]!;
    return [
        { text: a, value: exact(a) },
        { text: b, value: exact(b) },
    ];
});

interface Pair {
    request?: Quantity;
    limit?: Quantity;
}

const requestAndLimit: fc.Arbitrary<Pair> = fc.oneof(
    fc.record({ request: quantity, limit: quantity }, { requiredKeys: [] }).map(({ request, limit }) => {
        if (request === undefined || limit === undefined) {
            return { request, limit };
        }
        const order = compare(request.value, limit.value);
        if (order > 0) {
            return { request: limit, limit: request };
        }
        return { request, limit };
    }),
    fc.tuple(quantityTie, fc.boolean()).map(([[a, b], swap]) => (swap ? { request: b, limit: a } : { request: a, limit: b })),
);

const isZero = (q: Quantity | undefined) => q !== undefined && q.value.n === 0n;

/** Requests never above limits; the workers' CPU request, if any, above 0 (autoscaling divides by it). */
const resources = (workers: boolean) =>
    fc.record({ cpu: requestAndLimit, memory: requestAndLimit }).map(({ cpu, memory }) => {
        const cpuRequest = workers && isZero(cpu.request) ? undefined : cpu.request;
        return nonEmpty({
            requests: nonEmpty({ cpu: cpuRequest?.text, memory: memory.request?.text }),
            limits: nonEmpty({ cpu: cpu.limit?.text, memory: memory.limit?.text }),
        });
    });

/** A Service type; source ranges exactly with LoadBalancer, and then at least one. */
const exposure = fc.oneof(
    fc.record({ type: fc.constantFrom("ClusterIP", "NodePort") }, { requiredKeys: [] }),
    fc.record({ type: fc.constant("LoadBalancer"), loadBalancerSourceRanges: fc.array(cidr, { minLength: 1, maxLength: 3 }) }),
);

const chart = fc.oneof(
    fc.record({ path: fc.constantFrom(chartDir, chartTgz) }),
    fc.record({ repository: matching(CHART_REPOSITORY), version: matching(CHART_VERSION) }, { requiredKeys: [] }),
);

const chartValues = fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 3 });

const calverTag = fc
    .tuple(
        fc.constantFrom("", "v"),
        fc.integer({ min: 0, max: 9999 }).map((y) => String(y).padStart(4, "0")),
        fc.oneof(
            fc.integer({ min: 0, max: 99 }).map(String),
            fc.integer({ min: 0, max: 9 }).map((m) => `0${m}`),
        ),
        fc.nat({ max: 1000 }),
        fc.option(
            fc.tuple(fc.constantFrom("-", "."), matching(/^[A-Za-z0-9_.-]{0,20}$/)).map(([s, t]) => s + t),
            { nil: "" },
        ),
    )
    .map(([v, y, m, p, rest]) => `${v}${y}.${m}.${p}${rest}`);
const anyTag = matching(IMAGE_TAG).filter((t) => t !== "latest");

const image = fc
    .tuple(
        fc.record({ repository: matching(IMAGE_REPOSITORY), notebookRepository: matching(IMAGE_REPOSITORY) }, { requiredKeys: [] }),
        fc.oneof(
            // "auto" reads the entry points from the tag's calendar version.
            fc.record({ entrypoints: fc.constant("auto"), tag: calverTag }, { requiredKeys: [] }),
            fc.record({ entrypoints: fc.constantFrom("legacy", "subcommand"), tag: anyTag }, { requiredKeys: ["entrypoints"] }),
        ),
    )
    .map(([repos, tagAndEntrypoints]) => ({ ...repos, ...tagAndEntrypoints }));

const envName = matching(ENV_NAME).filter((n) => !RESERVED_ENV.includes(n));
// Values written as numbers or booleans are text too (`OMP_NUM_THREADS: 1`).
const envMap = fc.dictionary(envName, fc.oneof(fc.string(), fc.integer(), fc.boolean()), { maxKeys: 3 });

const packages = fc
    .record(
        {
            pip: fc.array(matching(PIP_SPEC), { maxLength: 3 }),
            conda: fc.array(matching(CONDA_SPEC), { maxLength: 3 }),
            condaChannels: fc.array(matching(CONDA_CHANNEL), { maxLength: 2 }),
            apt: fc.array(matching(APT_SPEC), { maxLength: 3 }),
        },
        { requiredKeys: [] },
    )
    .map((p) =>
        // Channels only with conda packages.
        p.condaChannels?.length && !p.conda?.length ? { ...p, condaChannels: undefined } : p,
    );

const namespace = fc.oneof(
    fc.record({ namespace: dnsLabel.filter((n) => !CLUSTER_NAMESPACES.includes(n)), createNamespace: fc.boolean() }, { requiredKeys: [] }),
    // A namespace every cluster has only when the program does not create (and later delete) it.
    fc.record({ namespace: fc.constantFrom(...CLUSTER_NAMESPACES), createNamespace: fc.constant(false) }),
);

const jupyter = fc.oneof(
    // With Jupyter off, nothing that only Jupyter uses.
    fc.record({ enabled: fc.constant(false), resources: resources(false) }, { requiredKeys: ["enabled"] }),
    fc.record({ enabled: fc.constant(true), service: exposure, resources: resources(false) }, { requiredKeys: [] }),
);

const dask = fc
    .tuple(
        namespace,
        fc.record(
            {
                fullname: matching(FULLNAME),
                chart,
                image,
                scheduler: fc.record({ service: exposure, resources: resources(false) }, { requiredKeys: [] }),
                workers: fc.record(
                    { replicas: count(0), resources: resources(true), threads: count(1), retireTimeoutSeconds: count(0, 3600), env: envMap },
                    { requiredKeys: [] },
                ),
                packages,
                jupyter,
                values: chartValues,
            },
            { requiredKeys: [] },
        ),
    )
    .map(([ns, rest]) => compact({ ...ns, ...rest }));

const metricsServer = fc.oneof(
    // "existing" deploys nothing: no chart settings.
    fc.record({ mode: fc.constant("existing") }),
    fc.record(
        {
            mode: fc.constant("chart"),
            namespace: fc.oneof(dnsLabel, fc.constantFrom(...CLUSTER_NAMESPACES)),
            kubeletInsecureTls: fc.boolean(),
            chart,
            values: chartValues,
        },
        { requiredKeys: [] },
    ),
);

/** min <= max, with the defaults (1 and 3) standing in for unset bounds; 0 only where allowed (metric dask). */
const replicaBounds = (lowest: number) =>
    fc
        .record({ hasMin: fc.boolean(), hasMax: fc.boolean() })
        .chain(({ hasMin, hasMax }) =>
            (hasMax ? count(1) : fc.constant(3)).chain((max) =>
                (hasMin ? count(lowest, max) : fc.constant(1)).map((min) =>
                    compact({ minReplicas: hasMin ? min : undefined, maxReplicas: hasMax ? max : undefined }),
                ),
            ),
        );

const scaleDown = fc.record({ stabilizationWindowSeconds: count(0, 3600), podsPerPeriod: count(1), periodSeconds: count(1, 1800) }, { requiredKeys: [] });

/** Each metric with only its own settings: a CPU target for `cpu`, KEDA's polling and scale to zero for `dask` (the default). */
const metricPart = fc.oneof(
    fc.tuple(
        fc.record(
            { metric: fc.constantFrom(undefined, "dask"), pollingIntervalSeconds: count(1, 3600), scaleDown, enabled: fc.boolean() },
            { requiredKeys: [] },
        ),
        replicaBounds(0),
    ),
    fc.tuple(
        fc.record({ metric: fc.constant("cpu"), targetCpuUtilization: count(1, 100), scaleDown, enabled: fc.boolean() }, { requiredKeys: ["metric"] }),
        replicaBounds(1),
    ),
);

const autoscaling = fc.oneof(
    { arbitrary: metricPart.map(([rest, bounds]) => compact({ ...rest, ...bounds, enabled: rest.enabled === false ? undefined : rest.enabled })), weight: 3 },
    // Turned off, the block keeps its settings for later, checked all the same.
    metricPart.map(([rest, bounds]) => compact({ ...rest, ...bounds, enabled: false })),
);

const keda = fc.oneof(
    // "existing" deploys nothing: no chart settings.
    fc.record({ mode: fc.constant("existing") }),
    fc.record({ mode: fc.constant("chart"), namespace: dnsLabel, createNamespace: fc.boolean(), chart, values: chartValues }, { requiredKeys: [] }),
);

/** min <= desired <= max, with the defaults (1, 2, 4) standing in for unset counts. */
const nodeCounts = fc.record({ hasMin: fc.boolean(), hasDesired: fc.boolean(), hasMax: fc.boolean() }).chain(({ hasMin, hasDesired, hasMax }) =>
    (hasMax ? count(hasDesired ? 1 : 2) : fc.constant(4)).chain((max) =>
        (hasDesired ? count(hasMin ? 0 : 1, max) : fc.constant(2)).chain((desired) =>
            (hasMin ? count(0, desired) : fc.constant(1)).map((min) =>
                compact({
                    minNodes: hasMin ? min : undefined,
                    desiredNodes: hasDesired ? desired : undefined,
                    maxNodes: hasMax ? max : undefined,
                }),
            ),
        ),
    ),
);

const nodeLimit = fc.record({ cpu: count(1, 100000), memoryGiB: count(1, 1000000) }, { requiredKeys: [] });
const bucketGrant = fc.record(
    {
        bucket: matching(/^[a-z0-9][a-z0-9.-]{1,10}[a-z0-9]$/),
        access: fc.constantFrom("read", "read-write"),
        prefix: matching(/^[a-z0-9][a-z0-9/._-]{0,10}\/$/),
    },
    { requiredKeys: ["bucket"] },
);

/**
 * The node autoscaler and what goes with it (eksTargetSettings.ts): the
 * managed node group's settings only with one (karpenter: two nodes at
 * least), Spot and node limits only with node autoscaling.
 */
const nodeSetup = fc.constantFrom(undefined, "auto-mode", "karpenter", "none").chain((nodeAutoscaling) => {
    const autoscaled = nodeAutoscaling !== "none";
    const nodeGroup =
        nodeAutoscaling === "karpenter" || nodeAutoscaling === "none"
            ? fc.tuple(
                  nodeCounts.filter((c) => nodeAutoscaling !== "karpenter" || ((c as { desiredNodes?: number }).desiredNodes ?? 2) >= 2),
                  fc.record(
                      { instanceTypes: fc.array(matching(INSTANCE_TYPE), { minLength: 1, maxLength: 3 }), nodeDiskSizeGb: count(20, 16384) },
                      { requiredKeys: [] },
                  ),
              )
            : fc.constant([{}, {}] as const);
    return fc
        .tuple(
            nodeGroup,
            fc.record(
                {
                    workerCapacity: autoscaled ? fc.constantFrom("spot", "on-demand") : fc.constant("on-demand"),
                    nodeLimits: autoscaled ? fc.record({ workers: nodeLimit, core: nodeLimit }, { requiredKeys: [] }) : fc.constant(undefined),
                },
                { requiredKeys: [] },
            ),
        )
        .map(([[counts, group], rest]) => compact({ nodeAutoscaling, ...counts, ...group, ...rest }));
});

const eks = fc
    .tuple(
        nodeSetup,
        fc.record(
            {
                kubernetesVersion: matching(KUBERNETES_VERSION),
                apiAccessCidrs: fc.array(cidrV4(), { maxLength: 3 }),
                tags: fc.dictionary(fc.string({ maxLength: 10 }), fc.string(), { maxKeys: 3 }),
                adoptExisting: fc.boolean(),
                s3Access: fc.uniqueArray(bucketGrant, { maxLength: 3, selector: (g) => `${g.bucket}/${g.prefix ?? ""}` }),
                metricsServerAddon: fc.boolean(),
            },
            { requiredKeys: [] },
        ),
        fc.oneof(
            // A new VPC from /16 to /28, or existing subnets in two AZs or more, never both.
            fc.record({ vpcCidr: cidrV4(16, 28) }, { requiredKeys: [] }),
            fc.record({
                network: fc.record({
                    vpcId: fc.string(),
                    publicSubnetIds: fc.array(fc.string(), { minLength: 2, maxLength: 3 }),
                    privateSubnetIds: fc.array(fc.string(), { minLength: 2, maxLength: 3 }),
                }),
            }),
        ),
    )
    .map(([counts, rest, network]) => compact({ ...counts, ...rest, ...network }));

/** A kubeconfig file and a context in it: unset only where the default (minikube, or the current one) is in the file. */
const kubeconfig = (target: string) =>
    fc.constantFrom(...KUBECONFIGS).chain((file) => {
        const fallback = target === "minikube" ? "minikube" : file.contexts[0];
        const contexts: (string | undefined)[] = file.contexts.includes(fallback) ? [undefined, ...file.contexts] : file.contexts;
        return fc
            .tuple(fc.constantFrom(...contexts), fc.option(fc.boolean(), { nil: undefined }))
            .map(([context, adoptExisting]) => compact({ kubeconfigPath: file.kubeconfigPath, context, adoptExisting }));
    });

const targetPart: fc.Arbitrary<{ settings: Settings; other: Record<string, string> }> = fc.oneof(
    fc
        .record({ eks: opt(eks), region: fc.oneof(fc.constantFrom("us-west-2", "eu-central-1"), fc.string()) })
        .map(({ eks, region }) => ({ settings: compact({ target: "eks", eks }), other: { "aws:region": region } })),
    fc
        .constantFrom("minikube", "existing")
        .chain((target) => opt(kubeconfig(target)).map((kc) => ({ settings: compact({ target, kubeconfig: kc }), other: {} }))),
);

/** Settings of Pulumi and of the AWS providers, which the loader leaves alone. */
const OTHER_KEYS = ["aws:profile", "aws:skipMetadataApiCheck", "aws:secretKey", "pulumi:disable-default-providers", "awsx:region", "eks:foo"];
const otherNamespaces = fc.dictionary(fc.constantFrom(...OTHER_KEYS), fc.string(), { maxKeys: 2 });

const password = fc.string({ minLength: 8, maxLength: 30, unit: "binary" });

const secretEnv = fc.record({ workers: envMap, jupyter: envMap }, { requiredKeys: [] });

/** Every top-level key a generated stack may hold, for where it comes from. */
const ALL_KEYS = ["target", "kubeconfig", "eks", "dask", "jupyterPassword", "secretEnv", "metricsServer", "keda", "autoscaling"]
    .map((k) => `${PROJECT}:${k}`)
    .concat("aws:region", OTHER_KEYS);

const validCase: fc.Arbitrary<StackCase> = fc
    .record({
        target: targetPart,
        dask: opt(dask),
        metricsServer: opt(metricsServer),
        keda: opt(keda),
        autoscaling: opt(autoscaling),
        jupyterPassword: opt(password),
        secretEnv: opt(secretEnv),
        other: otherNamespaces,
        // Mostly all in the stack file; else some keys from an ESC environment.
        fromEnv: fc.oneof({ arbitrary: fc.constant<string[]>([]), weight: 2 }, fc.subarray(ALL_KEYS)),
        // `pulumi config set --secret secretEnv '{"workers": {...}}'`: one secure value for the whole setting.
        secretEnvWhole: fc.boolean(),
        // Secure settings of the AWS providers (`aws:secretKey`), which are theirs to read.
        otherSecure: fc.subarray(OTHER_KEYS),
    })
    .map(
        ({
            target: generatedTarget,
            dask,
            metricsServer,
            keda,
            autoscaling: scaling,
            jupyterPassword,
            secretEnv: secrets,
            other,
            fromEnv,
            secretEnvWhole,
            otherSecure,
        }) => {
            let target = generatedTarget;
            let autoscaling: Settings | undefined = scaling;
            let secretEnv: Settings | undefined = secrets;
            // Worker replicas only with the autoscaler off.
            if (dask?.workers?.replicas !== undefined && autoscaling?.enabled !== false) {
                autoscaling = { ...autoscaling, enabled: false };
            }
            // A Jupyter password and secret Jupyter variables only with Jupyter on.
            if (dask?.jupyter?.enabled === false) {
                jupyterPassword = undefined;
                secretEnv = nonEmpty({ ...secretEnv, jupyter: undefined });
            }
            // A variable is set either in dask.workers.env or secretEnv.workers.
            const plainEnv = dask?.workers?.env ?? {};
            if (secretEnv?.workers !== undefined) {
                secretEnv = { ...secretEnv, workers: Object.fromEntries(Object.entries(secretEnv.workers).filter(([name]) => !(name in plainEnv))) };
            }
            // On EKS, the metrics-server chart (or its settings) only with the add-on off (two would fight over the metrics API).
            if (
                target.settings.target === "eks" &&
                metricsServer !== undefined &&
                metricsServer.mode !== "existing" &&
                target.settings.eks?.metricsServerAddon !== false
            ) {
                target = { ...target, settings: { ...target.settings, eks: { ...target.settings.eks, metricsServerAddon: false } } };
            }
            const settings = compact({ ...target.settings, dask, metricsServer, keda, autoscaling, jupyterPassword, secretEnv });
            const allOther = { ...other, ...target.other };
            // The stack file: secrets encrypted, everything else plain; keys from an environment in neither list.
            const stackFile: StackFileValues = { secure: [], plain: [] };
            for (const [k, value] of [...Object.entries(settings).map(([k, v]): [string, unknown] => [`${PROJECT}:${k}`, v]), ...Object.entries(allOther)]) {
                if (fromEnv.includes(k)) {
                    continue;
                }
                if (k === `${PROJECT}:jupyterPassword` || (k === `${PROJECT}:secretEnv` && secretEnvWhole) || otherSecure.includes(k)) {
                    stackFile.secure.push(k);
                } else {
                    (k === `${PROJECT}:secretEnv` ? stackFile.secure : stackFile.plain).push(...leaves(value, k));
                }
            }
            return { settings, other: allOther, stackFile, fromEnv };
        },
    );

// ---------------------------------------------------------------------------
// Single mutations.

type Path = readonly (string | number)[];

/** One change to a stack config, and to the stack file's lists. */
type Edit =
    /**
     * Set a setting, creating the objects (or lists, before an index) on the way, as
     * `pulumi config set --path` does. "secret": with `--secret` (a `secure:` value in the stack file);
     * "plaintext": without, into the stack file; else without, where the key comes from
     * (the stack file's plain values, or an ESC environment).
     */
    | { set: Path; value: unknown; secret?: "secret" | "plaintext" }
    /** Set (or with undefined, remove) a key as Pulumi passes it, text and all; encrypted if it held a secure value. */
    | { raw: string; text: string | undefined }
    /** Encrypt a whole top-level setting (`pulumi config set --secret <key> '<json>'`), its value unchanged. */
    | { secureKey: string };

interface Mutation {
    kind: string;
    edit: Edit;
    /**
     * What the error message must contain: the full key and the shown value (shown as `(secret)`
     * instead when the key holds a secure value, unless `literal`).
     */
    expect: string | string[];
    /** The expectation shows a value that is not secret (a variable's name) even under a secret key. */
    literal?: true;
    /** A secret the message must not contain. */
    secret?: string;
    /** The number of lines the message must have, where the mutation is its only problem. */
    lines?: number;
}

const key = (p: Path) => `${PROJECT}:${p.map((s, i) => (typeof s === "number" ? `[${s}]` : i === 0 ? s : `.${s}`)).join("")}`;
/** `daskk8s:a.b (<value>)`, the way every message starts. */
const named = (p: Path, value: unknown) => `${key(p)} (${show(value)})`;
const dotted = (p: string): Path => p.split(".");
const getIn = (node: any, p: Path): any => p.reduce<any>((n, k) => n?.[k], node);
const get = (c: StackCase, p: Path): any => getIn(c.settings, p);

function define(node: any, k: string | number, value: unknown): void {
    // defineProperty: a key such as "__proto__" becomes an ordinary own key, as JSON.parse makes it.
    Object.defineProperty(node, k, { value, enumerable: true, writable: true, configurable: true });
}

function mutate(c: StackCase, edit: Edit): RawStackConfig {
    const settings: Settings = structuredClone(c.settings);
    let secure = [...c.stackFile.secure];
    let plain = [...c.stackFile.plain];
    /** Drops the stack file's values at or inside `at`; whether one of them was secure. */
    const drop = (at: string): boolean => {
        const hadSecure = secure.some((p) => within(p, at));
        secure = secure.filter((p) => !within(p, at));
        plain = plain.filter((p) => !within(p, at));
        return hadSecure;
    };
    if ("set" in edit) {
        let node: any = settings;
        edit.set.forEach((k, i) => {
            if (i === edit.set.length - 1) {
                define(node, k, edit.value);
                return;
            }
            if (node[k] === null || typeof node[k] !== "object") {
                define(node, k, typeof edit.set[i + 1] === "number" ? [] : {});
            }
            node = node[k];
        });
        const at = key(edit.set);
        // A value stored whole above the path (a secretEnv set with --secret) is then held value by value, each as it was.
        for (let i = 1; i < edit.set.length; i++) {
            const above = key(edit.set.slice(0, i));
            for (const list of [secure, plain]) {
                if (list.includes(above)) {
                    list.splice(list.indexOf(above), 1, ...leaves(getIn(settings, edit.set.slice(0, i)), above).filter((p) => !within(p, at)));
                }
            }
        }
        drop(at);
        if (edit.secret === "secret") {
            secure.push(at);
        } else if (edit.secret === "plaintext" || !c.fromEnv.includes(key(edit.set.slice(0, 1)))) {
            plain.push(...leaves(edit.value, at));
        }
    }
    if ("secureKey" in edit) {
        drop(edit.secureKey);
        secure.push(edit.secureKey);
    }
    const raw = toRaw({ settings, other: c.other, stackFile: { secure, plain } });
    if ("raw" in edit) {
        const hadSecure = drop(edit.raw);
        if (edit.text === undefined) {
            delete raw.values[edit.raw];
        } else {
            raw.values[edit.raw] = edit.text;
            if (!c.fromEnv.includes(edit.raw)) {
                (hadSecure ? secure : plain).push(edit.raw);
            }
        }
        raw.stackFile = { secure, plain };
    }
    return raw;
}

function setting(kind: string, p: Path, value: unknown, expect: string | string[] = named(p, value)): Mutation {
    return { kind, edit: { set: p, value }, expect };
}

// --- The schema (config/stackConfig.ts), for wrong types and unknown keys.

type Kind = "object" | "record" | "int" | "string" | "bool" | "enum" | "quantity" | "strings" | "stringMap" | "objects";

const SERVICE: [string, Kind][] = [
    ["", "object"],
    [".type", "enum"],
    [".loadBalancerSourceRanges", "strings"],
];
const RESOURCES: [string, Kind][] = ["", ".requests", ".limits"].flatMap((s): [string, Kind][] =>
    s === ""
        ? [["", "object"]]
        : [
              [s, "object"],
              [`${s}.cpu`, "quantity"],
              [`${s}.memory`, "quantity"],
          ],
);
const CHART: [string, Kind][] = [
    ["", "object"],
    [".repository", "string"],
    [".version", "string"],
    [".path", "string"],
];
const PLACEMENT: [string, Kind][] = [
    ["", "object"],
    [".nodeSelector", "stringMap"],
    [".tolerations", "objects"],
    [".annotations", "stringMap"],
];
const under = (prefix: string, fields: [string, Kind][]): [string, Kind][] => fields.map(([p, k]) => [prefix + p, k]);

const FIELDS: [string, Kind][] = [
    ["target", "enum"],
    ["kubeconfig", "object"],
    ["kubeconfig.kubeconfigPath", "string"],
    ["kubeconfig.context", "string"],
    ["kubeconfig.adoptExisting", "bool"],
    ["eks", "object"],
    ["eks.kubernetesVersion", "string"],
    ["eks.nodeAutoscaling", "enum"],
    ["eks.workerCapacity", "enum"],
    ["eks.nodeLimits", "object"],
    ["eks.nodeLimits.workers", "object"],
    ["eks.nodeLimits.workers.cpu", "int"],
    ["eks.nodeLimits.workers.memoryGiB", "int"],
    ["eks.nodeLimits.core", "object"],
    ["eks.nodeLimits.core.cpu", "int"],
    ["eks.nodeLimits.core.memoryGiB", "int"],
    ["eks.s3Access", "objects"],
    ["eks.metricsServerAddon", "bool"],
    ...under("eks.karpenterChart", CHART),
    ["eks.instanceTypes", "strings"],
    ["eks.minNodes", "int"],
    ["eks.desiredNodes", "int"],
    ["eks.maxNodes", "int"],
    ["eks.nodeDiskSizeGb", "int"],
    ["eks.vpcCidr", "string"],
    ["eks.network", "object"],
    ["eks.network.vpcId", "string"],
    ["eks.network.publicSubnetIds", "strings"],
    ["eks.network.privateSubnetIds", "strings"],
    ["eks.apiAccessCidrs", "strings"],
    ["eks.tags", "stringMap"],
    ["eks.adoptExisting", "bool"],
    ["dask", "object"],
    ["dask.namespace", "string"],
    ["dask.createNamespace", "bool"],
    ["dask.fullname", "string"],
    ...under("dask.chart", CHART),
    ["dask.image", "object"],
    ["dask.image.repository", "string"],
    ["dask.image.notebookRepository", "string"],
    ["dask.image.tag", "string"],
    ["dask.image.entrypoints", "enum"],
    ["dask.scheduler", "object"],
    ...under("dask.scheduler.service", SERVICE),
    ...under("dask.scheduler.resources", RESOURCES),
    ...under("dask.scheduler.placement", PLACEMENT),
    ["dask.workers", "object"],
    ["dask.workers.replicas", "int"],
    ...under("dask.workers.resources", RESOURCES),
    ["dask.workers.threads", "int"],
    ["dask.workers.retireTimeoutSeconds", "int"],
    ["dask.workers.env", "stringMap"],
    ...under("dask.workers.placement", PLACEMENT),
    ["dask.workers.serviceAccountName", "string"],
    ["dask.workers.maxUnavailable", "int"],
    ["dask.packages", "object"],
    ["dask.packages.pip", "strings"],
    ["dask.packages.conda", "strings"],
    ["dask.packages.condaChannels", "strings"],
    ["dask.packages.apt", "strings"],
    ["dask.jupyter", "object"],
    ["dask.jupyter.enabled", "bool"],
    ...under("dask.jupyter.service", SERVICE),
    ...under("dask.jupyter.resources", RESOURCES),
    ...under("dask.jupyter.placement", PLACEMENT),
    ["dask.values", "record"],
    ["jupyterPassword", "string"],
    ["secretEnv", "object"],
    ["secretEnv.workers", "stringMap"],
    ["secretEnv.jupyter", "stringMap"],
    ["metricsServer", "object"],
    ["metricsServer.mode", "enum"],
    ["metricsServer.namespace", "string"],
    ["metricsServer.kubeletInsecureTls", "bool"],
    ...under("metricsServer.chart", CHART),
    ["metricsServer.values", "record"],
    ["keda", "object"],
    ["keda.mode", "enum"],
    ["keda.namespace", "string"],
    ["keda.createNamespace", "bool"],
    ...under("keda.chart", CHART),
    ["keda.values", "record"],
    // The autoscaler's settings, then the stack's own `enabled` (the order messages list them in).
    ["autoscaling", "object"],
    ["autoscaling.metric", "enum"],
    ["autoscaling.minReplicas", "int"],
    ["autoscaling.maxReplicas", "int"],
    ["autoscaling.targetCpuUtilization", "int"],
    ["autoscaling.pollingIntervalSeconds", "int"],
    ["autoscaling.scaleDown", "object"],
    ["autoscaling.scaleDown.stabilizationWindowSeconds", "int"],
    ["autoscaling.scaleDown.podsPerPeriod", "int"],
    ["autoscaling.scaleDown.periodSeconds", "int"],
    ["autoscaling.enabled", "bool"],
];

const ENUMS: Record<string, string[]> = {
    target: ["eks", "minikube", "existing"],
    "eks.nodeAutoscaling": ["auto-mode", "karpenter", "none"],
    "eks.workerCapacity": ["spot", "on-demand"],
    "dask.image.entrypoints": ["auto", "legacy", "subcommand"],
    "dask.scheduler.service.type": ["ClusterIP", "NodePort", "LoadBalancer"],
    "dask.jupyter.service.type": ["ClusterIP", "NodePort", "LoadBalancer"],
    "metricsServer.mode": ["chart", "existing"],
    "keda.mode": ["chart", "existing"],
    "autoscaling.metric": ["dask", "cpu"],
};

/** Whole numbers: [path, min, max] (WorkerAutoscaler.ts, eksTargetSettings.ts, daskClusterSettings.ts). */
const WHOLE_NUMBERS: [string, number, number][] = [
    ["dask.workers.replicas", 0, MAX_INT32],
    ["dask.workers.threads", 1, MAX_INT32],
    ["dask.workers.retireTimeoutSeconds", 0, 3600],
    ["dask.workers.maxUnavailable", 1, MAX_INT32],
    ["autoscaling.minReplicas", 0, MAX_INT32],
    ["autoscaling.maxReplicas", 1, MAX_INT32],
    ["autoscaling.targetCpuUtilization", 1, 100],
    ["autoscaling.pollingIntervalSeconds", 1, 3600],
    ["autoscaling.scaleDown.stabilizationWindowSeconds", 0, 3600],
    ["autoscaling.scaleDown.podsPerPeriod", 1, MAX_INT32],
    ["autoscaling.scaleDown.periodSeconds", 1, 1800],
    ["eks.minNodes", 0, MAX_INT32],
    ["eks.desiredNodes", 0, MAX_INT32],
    ["eks.maxNodes", 1, MAX_INT32],
    ["eks.nodeDiskSizeGb", 20, 16384],
    ["eks.nodeLimits.workers.cpu", 1, 100000],
    ["eks.nodeLimits.workers.memoryGiB", 1, 1000000],
    ["eks.nodeLimits.core.cpu", 1, 100000],
    ["eks.nodeLimits.core.memoryGiB", 1, 1000000],
];

/** Settings that only apply to (and are only checked for) one kind of target. */
function applies(c: StackCase, p: string): boolean {
    const eksTarget = c.settings.target === "eks";
    return p.startsWith("eks") ? eksTarget : p.startsWith("kubeconfig") ? !eksTarget : true;
}

const OBJECT_KEYS: Record<string, string[]> = {};
for (const [p] of FIELDS) {
    const parent = p.includes(".") ? p.slice(0, p.lastIndexOf(".")) : "";
    (OBJECT_KEYS[parent] ??= []).push(p.slice(parent === "" ? 0 : parent.length + 1));
}

const jsonScalar = fc.oneof(fc.string({ maxLength: 6 }), fc.integer(), fc.boolean(), fc.constant(null));
const WRONG: Record<Kind, fc.Arbitrary<unknown>> = {
    object: fc.oneof(jsonScalar, fc.array(jsonScalar, { maxLength: 2 })),
    record: fc.oneof(jsonScalar, fc.array(jsonScalar, { maxLength: 2 })),
    stringMap: fc.oneof(jsonScalar, fc.array(jsonScalar, { maxLength: 2 })),
    int: fc.oneof(fc.string({ maxLength: 6 }), fc.boolean(), fc.constant(null), fc.array(fc.integer(), { maxLength: 2 }), fc.constant({})),
    string: fc.oneof(
        fc.integer(),
        fc.double({ noNaN: true, noDefaultInfinity: true }),
        fc.boolean(),
        fc.constant(null),
        fc.array(fc.string({ maxLength: 4 }), { maxLength: 2 }),
        fc.constant({ a: "b" }),
    ),
    bool: fc.oneof(fc.constantFrom("true", "false", "yes", ""), fc.integer({ min: 0, max: 1 }), fc.constant(null), fc.constant([true])),
    enum: fc.oneof(fc.integer(), fc.boolean(), fc.constant(null), fc.constant(["ClusterIP"])),
    // Numbers are quantities too (`cpu: 2`).
    quantity: fc.oneof(fc.boolean(), fc.constant(null), fc.constant(["1"]), fc.constant({ cpu: "1" })),
    strings: fc.oneof(fc.string({ maxLength: 8 }), fc.integer(), fc.boolean(), fc.constant(null), fc.constant({ a: "b" })),
    objects: fc.oneof(fc.string({ maxLength: 8 }), fc.integer(), fc.boolean(), fc.constant(null), fc.constant({ a: "b" })),
};

function wrongType(c: StackCase): fc.Arbitrary<Mutation> {
    // Top-level settings arrive as text (see wrongTopLevelText).
    const fields = FIELDS.filter(([p]) => applies(c, p) && p.includes("."));
    return fc.constantFrom(...fields).chain(([p, kind]): fc.Arbitrary<Mutation> => {
        const at = dotted(p);
        const whole = WRONG[kind].map((v) => setting("wrong type", at, v));
        if (kind === "strings" || kind === "objects") {
            // An item of the wrong kind.
            const items = (get(c, at) as unknown[] | undefined)?.length ?? 0;
            return fc.oneof(
                whole,
                fc
                    .tuple(fc.nat({ max: items }), fc.oneof(fc.integer(), fc.boolean(), fc.constant(null), fc.constant({})))
                    .map(([i, v]) => setting("wrong item type", [...at, i], v)),
            );
        }
        if (kind === "stringMap") {
            // An entry that is not a string (numbers and booleans may be coerced).
            return fc.oneof(
                whole,
                fc
                    // Label maps (placement) take label keys; the others, variable names.
                    .tuple(
                        matching(p.includes(".placement.") ? /^[a-z][a-z0-9]{0,8}$/ : ENV_NAME),
                        fc.oneof(fc.constant(null), fc.constant([]), fc.constant({ a: "b" })),
                    )
                    .map(([name, v]) => setting("wrong entry type", [...at, name], v)),
            );
        }
        return whole;
    });
}

/** A top-level object setting whose text is no JSON object; or the target as any other text. */
function wrongTopLevelText(c: StackCase): fc.Arbitrary<Mutation> {
    const keys = ["dask", "metricsServer", "keda", "autoscaling", "secretEnv", c.settings.target === "eks" ? "eks" : "kubeconfig"];
    const notAnObject = fc
        .oneof(
            fc.string(),
            jsonScalar.map((v) => JSON.stringify(v)),
            fc.constant("[]"),
            fc.constant("[1, 2]"),
        )
        .filter((t) => {
            const v = asPulumiValue(t);
            return v === null || typeof v !== "object" || Array.isArray(v);
        });
    const notATarget = fc
        .oneof(fc.string(), fc.constantFrom("EKS", "Minikube", "eks ", "kind", "gke", '"kind"', "1", "true", "null"))
        .filter((t) => !ENUMS.target.includes(asPulumiValue(t) as string));
    return fc.oneof(
        fc
            .tuple(fc.constantFrom(...keys), notAnObject)
            .map(([k, text]): Mutation => ({ kind: "top-level text", edit: { raw: `${PROJECT}:${k}`, text }, expect: named([k], asPulumiValue(text)) })),
        notATarget.map((text): Mutation => ({
            kind: "target",
            edit: { raw: `${PROJECT}:target`, text },
            expect: `${named(["target"], asPulumiValue(text))} must be one of`,
        })),
        fc.constant<Mutation>({ kind: "no target", edit: { raw: `${PROJECT}:target`, text: undefined }, expect: `${PROJECT}:target (unset) must be one of` }),
    );
}

function typo(word: string): fc.Arbitrary<string> {
    return fc.tuple(fc.nat({ max: word.length - 1 }), fc.constantFrom("drop", "double", "case", "plural")).map(
        ([i, how]) =>
            ({
                drop: word.slice(0, i) + word.slice(i + 1),
                double: word.slice(0, i) + word[i] + word.slice(i),
                case: word.slice(0, i) + (word[i] === word[i].toUpperCase() ? word[i].toLowerCase() : word[i].toUpperCase()) + word.slice(i + 1),
                plural: `${word}s`,
            })[how]!,
    );
}

function unknownKey(c: StackCase): fc.Arbitrary<Mutation> {
    const objects = Object.keys(OBJECT_KEYS).filter((p) => p === "" || applies(c, p));
    return fc.constantFrom(...objects).chain((p) => {
        const known = OBJECT_KEYS[p];
        const name = fc
            .oneof(
                matching(/^[A-Za-z][A-Za-z0-9_]{0,15}$/),
                // `daskk8s:__proto__` too (it once replaced the loader's input prototype, its members acting as settings).
                fc.constantFrom("constructor", "toString", "hasOwnProperty", "valueOf", "__proto__"),
                fc.constantFrom(...known).chain(typo),
            )
            .filter((n) => n.length > 0 && !known.includes(n));
        const at = p === "" ? [] : dotted(p);
        // `(set)`, never the value: the same under a secret key.
        return fc.tuple(name, fc.jsonValue({ maxDepth: 1 })).map(([n, v]): Mutation => ({
            ...setting("unknown key", [...at, n], v, `${key([...at, n])} (set) is not a known setting (known here: ${known.join(", ")})`),
            literal: true,
        }));
    });
}

function enumValue(c: StackCase): fc.Arbitrary<Mutation> {
    const fields = Object.keys(ENUMS).filter((p) => p !== "target" && applies(c, p));
    return fc.constantFrom(...fields).chain((p) =>
        fc
            .oneof(
                fc.string(),
                fc.constantFrom(...ENUMS[p]).map((v) => v.toLowerCase()),
                fc.constantFrom(...ENUMS[p]).map((v) => v.toUpperCase()),
                fc.constantFrom(...ENUMS[p]).map((v) => `${v} `),
            )
            .filter((v) => !ENUMS[p].includes(v))
            .map((v) => setting("enum", dotted(p), v, `${named(dotted(p), v)} must be one of`)),
    );
}

function wholeNumberOutOfRange(c: StackCase): fc.Arbitrary<Mutation> {
    return fc
        .constantFrom(...WHOLE_NUMBERS.filter(([p]) => applies(c, p)))
        .chain(([p, min, max]) =>
            fc
                .oneof(
                    fc.constantFrom(min - 1, max + 1, MAX_INT32 + 1, 2 ** 32, Number.MAX_SAFE_INTEGER + 1, 1e21, -1e21),
                    fc.integer({ min: Number.MIN_SAFE_INTEGER, max: min - 1 }),
                    fc.integer({ min: max + 1, max: Number.MAX_SAFE_INTEGER }),
                )
                .map((v) => setting("out of range", dotted(p), v)),
        );
}

function notAWholeNumber(c: StackCase): fc.Arbitrary<Mutation> {
    return fc
        .constantFrom(...WHOLE_NUMBERS.filter(([p]) => applies(c, p)))
        .chain(([p]) => fc.double({ noInteger: true, noNaN: true, noDefaultInfinity: true }).map((v) => setting("not whole", dotted(p), v)));
}

// --- CIDR blocks

/** Prefix lengths just above a family's bits, and far above. */
const tooLong = (bits: number) => fc.oneof(fc.constant(bits + 1), fc.integer({ min: bits + 1, max: 128 + 1 }), fc.integer({ min: bits + 1, max: 999 }));
const badPrefixCidr = fc.oneof(
    fc.tuple(fc.ipV4(), tooLong(32)).map(([a, p]) => `${a}/${p}`),
    fc.tuple(fc.ipV6(), tooLong(128)).map(([a, p]) => `${a}/${p}`),
);
const malformedCidr = fc.oneof(
    { arbitrary: badPrefixCidr, weight: 4 },
    fc.oneof(fc.ipV4(), fc.ipV6()),
    fc.oneof(fc.ipV4(), fc.ipV6()).map((a) => `${a}/`),
    fc.tuple(fc.ipV4(), fc.constantFrom("+", "-"), fc.integer({ min: 0, max: 32 })).map(([a, s, p]) => `${a}/${s}${p}`),
    fc.tuple(fc.nat({ max: 3 }), fc.integer({ min: 256, max: 999 }), fc.ipV4(), fc.integer({ min: 0, max: 32 })).map(
        ([i, bad, a, p]) =>
            `${a
                .split(".")
                .map((o, j) => (j === i ? String(bad) : o))
                .join(".")}/${p}`,
    ),
    fc.tuple(fc.ipV4(), fc.integer({ min: 0, max: 32 })).map(([a, p]) => `${a.split(".").slice(0, 3).join(".")}/${p}`),
    // Not here: space padding and leading zeros ("010.0.0.0/8"), which the loader refuses but the
    // Kubernetes API may accept for source ranges (it parses them "sloppily").
    fc.constantFrom("fe80::1%eth0/64", "::::/64", "10.0.0.0/8/8", "", "/", "localhost/32", "10.0.0.0/8,10.1.0.0/16"),
    fc.string().filter((s) => !s.includes("/")),
);

function cidrs(c: StackCase): fc.Arbitrary<Mutation>[] {
    const out: fc.Arbitrary<Mutation>[] = [];
    for (const role of ["scheduler", "jupyter"]) {
        const service = ["dask", role, "service"];
        const ranges: string[] | undefined = get(c, [...service, "loadBalancerSourceRanges"]);
        const expect = (i: number, v: string) => `${named([...service, "loadBalancerSourceRanges", i], v)} must be a CIDR block`;
        if (ranges !== undefined) {
            out.push(
                fc
                    .tuple(fc.nat({ max: ranges.length }), malformedCidr)
                    .map(([i, v]) => setting("source range", [...service, "loadBalancerSourceRanges", i], v, expect(i, v))),
            );
        } else {
            // A LoadBalancer whose ranges hold one bad block among good ones.
            out.push(
                fc.tuple(fc.array(cidr, { maxLength: 2 }), fc.nat(), malformedCidr).map(([good, n, v]) => {
                    const i = n % (good.length + 1);
                    const list = [...good.slice(0, i), v, ...good.slice(i)];
                    return setting("source range", service, { type: "LoadBalancer", loadBalancerSourceRanges: list }, expect(i, v));
                }),
            );
        }
    }
    if (c.settings.target === "eks") {
        const api: string[] = get(c, ["eks", "apiAccessCidrs"]) ?? [];
        out.push(
            fc
                .tuple(fc.nat({ max: api.length }), fc.oneof(malformedCidr, cidrV6))
                .map(([i, v]) => setting("API CIDR", ["eks", "apiAccessCidrs", i], v, `${named(["eks", "apiAccessCidrs", i], v)} must be an IPv4 CIDR block`)),
        );
        out.push(fc.oneof(malformedCidr, cidrV6, cidrV4(0, 15), cidrV4(29, 32)).map((v) => setting("VPC CIDR", ["eks", "vpcCidr"], v)));
    }
    return out;
}

// --- Names

const label = matching(/^[a-z0-9]([-a-z0-9]{0,20}[a-z0-9])?$/);
const notADnsLabel = fc.oneof(
    fc.constant(""),
    label.map((l) => `${l}-`),
    label.map((l) => `-${l}`),
    fc
        .tuple(label, fc.nat(), fc.constantFrom("_", ".", "A", "Z", " ", "é", "/", ":"))
        .map(([l, i, ch]) => l.slice(0, i % (l.length + 1)) + ch + l.slice(i % (l.length + 1))),
    matching(/^[a-z0-9]{64,80}$/),
);

function names(c: StackCase): fc.Arbitrary<Mutation>[] {
    const out = [
        fc
            .tuple(fc.constantFrom(["dask", "namespace"], ["dask", "fullname"], ["metricsServer", "namespace"]), notADnsLabel)
            .map(([p, v]) => setting("not a DNS label", p, v, `${named(p, v)} must be a DNS-1123 label`)),
        // Valid as a namespace, too long for a fullname that gets "-scheduler" appended.
        matching(/^[a-z0-9]{54,63}$/).map((v) => setting("long fullname", ["dask", "fullname"], v)),
    ];
    if (get(c, ["dask", "createNamespace"]) !== false) {
        out.push(
            fc
                .constantFrom(...CLUSTER_NAMESPACES)
                .map((v) => setting("cluster namespace", ["dask", "namespace"], v, `${named(["dask", "namespace"], v)} is a namespace every cluster has`)),
        );
    }
    return out;
}

// --- Quantities

const ROLES = ["scheduler", "workers", "jupyter"];
const malformedQuantity = fc.oneof(
    fc.constantFrom(
        "",
        "abc",
        "1.5.2",
        "1 Gi",
        "1gi",
        "1KB",
        "1K",
        "e3",
        "1e",
        "1Mi5",
        "--1",
        "1,5",
        "0x10",
        "Infinity",
        "NaN",
        "1mi",
        "1ki",
        "1 m",
        ".",
        "1e+",
        "Gi",
        "1/2",
        "½",
    ),
    fc.tuple(quantityText, fc.constantFrom("B", "x", "%", "/", "K", "b", "!", " x", " 1")).map(([q, tail]) => q + tail),
    quantityText.filter((q) => exact(q).n > 0n).map((q) => `-${q}`),
);

function quantities(c: StackCase): fc.Arbitrary<Mutation>[] {
    const out: fc.Arbitrary<Mutation>[] = [
        fc
            .tuple(
                fc.constantFrom(...ROLES),
                fc.constantFrom("requests", "limits"),
                fc.constantFrom("cpu", "memory"),
                fc.oneof(malformedQuantity, fc.double({ max: -Number.MIN_VALUE, noNaN: true, noDefaultInfinity: true })),
            )
            .map(([role, kind, name, v]) => {
                const p = ["dask", role, "resources", kind, name];
                // The settings schema reads a number as its text (asText in components/common/settings.ts), and shows it as written.
                return setting("malformed quantity", p, v, `${named(p, v)} must be a Kubernetes quantity`);
            }),
        fc.tuple(fc.constantFrom("0", "0m", "0.0", ".0", "0Gi", "0e3", "0.", 0)).map(([v]) => {
            const p = ["dask", "workers", "resources", "requests", "cpu"];
            return setting("zero CPU request", p, v, `${named(p, String(v))} must be above 0`);
        }),
    ];
    const aboveLimits = ROLES.flatMap((role) =>
        ["cpu", "memory"].flatMap((name) => {
            const limit: string | number | undefined = get(c, ["dask", role, "resources", "limits", name]);
            if (limit === undefined) {
                return [];
            }
            // Twice the limit, plus one: above it however the values are rounded; but no quantity
            // above 2^63-1 (then not a quantity at all), and none when the limit is that already.
            const { n, d } = exact(String(limit));
            const ceiling = (n + d - 1n) / d;
            const MAX_QUANTITY = 2n ** 63n - 1n;
            if (ceiling >= MAX_QUANTITY) {
                return [];
            }
            const twice = ceiling * 2n + 1n;
            const above = String(twice <= MAX_QUANTITY ? twice : MAX_QUANTITY);
            const p = ["dask", role, "resources", "requests", name];
            return [setting("request above limit", p, above, `${named(p, above)} must not exceed ${key(["dask", role, "resources", "limits", name])}`)];
        }),
    );
    if (aboveLimits.length > 0) {
        out.push(fc.constantFrom(...aboveLimits));
    }
    return out;
}

// --- Image, chart, packages

const imageTagWithBadChar = fc
    .tuple(anyTag, fc.nat(), fc.constantFrom(":", "/", " ", "@", "+", "~", "!"))
    .map(([t, i, ch]) => t.slice(0, i % (t.length + 1)) + ch + t.slice(i % (t.length + 1)));

function images(c: StackCase): fc.Arbitrary<Mutation>[] {
    const tag = ["dask", "image", "tag"];
    const out = [
        fc
            .oneof(
                fc.constantFrom("", "latest", "-1", ".hidden"),
                imageTagWithBadChar,
                matching(/^[A-Za-z0-9_.-]{129,140}$/).map((t) => `a${t}`),
            )
            .map((v) => setting("bad tag", tag, v)),
        fc
            .tuple(
                fc.constantFrom(["dask", "image", "repository"], ["dask", "image", "notebookRepository"]),
                fc.oneof(
                    fc.constantFrom(
                        "",
                        "Dask",
                        "ghcr.io/Dask/dask",
                        "ghcr.io/dask/dask:2024.1.0",
                        "ghcr.io/dask/dask@sha256:abc",
                        "/dask",
                        "dask/",
                        "https://ghcr.io/dask/dask",
                        "dask//dask",
                        "dask-",
                        "_dask",
                    ),
                    // Digits too: "dask:2024" is a name and a tag, not a registry host:port (which once passed).
                    fc.tuple(matching(IMAGE_REPOSITORY), anyTag).map(([r, t]) => `${r}:${t}`),
                ),
            )
            .map(([p, v]) => setting("bad repository", p, v, `${named(p, v)} must be an image repository`)),
    ];
    const entrypoints = get(c, ["dask", "image", "entrypoints"]);
    if (entrypoints === undefined || entrypoints === "auto") {
        out.push(anyTag.filter((t) => !CALVER.test(t)).map((v) => setting("tag without version", tag, v, `${named(tag, v)} has no calendar version`)));
    }
    return out;
}

function charts(c: StackCase): fc.Arbitrary<Mutation>[] {
    const out: fc.Arbitrary<Mutation>[] = [];
    for (const owner of [
        ["dask", "chart"],
        ["metricsServer", "chart"],
    ]) {
        if (get(c, [...owner, "path"]) === undefined) {
            out.push(
                fc
                    .constantFrom("helm.dask.org", "ftp://example.com", "https://", "https:// x", "git@github.com:dask/helm-chart", "", "file:///tmp/chart")
                    .map((v) =>
                        setting("chart repository", [...owner, "repository"], v, `${named([...owner, "repository"], v)} must be an http(s):// or oci:// URL`),
                    ),
            );
            out.push(
                fc
                    .constantFrom("^1.2.3", "1.2", "~1.2.3", "1.2.x", ">=1.0.0", "latest", "", "1.2.3 ", "v1", "1.2.3-")
                    .map((v) => setting("chart version", [...owner, "version"], v, `${named([...owner, "version"], v)} must be an exact chart version`)),
            );
        }
        out.push(
            fc
                .oneof(
                    matching(/^[a-z0-9]{1,8}$/).map((s) => path.join(dir, `missing-${s}.tgz`)),
                    fc.constant(notAChart),
                )
                .map((v) => setting("chart path", [...owner, "path"], v)),
        );
    }
    return out;
}

const PACKAGE_LISTS: [string, RegExp][] = [
    ["pip", PIP_SPEC],
    ["conda", CONDA_SPEC],
    ["condaChannels", CONDA_CHANNEL],
    ["apt", APT_SPEC],
];

function packageLists(c: StackCase): fc.Arbitrary<Mutation>[] {
    const out = [
        fc.constantFrom(...PACKAGE_LISTS).chain(([list, pattern]) => {
            const p = ["dask", "packages", list];
            const items = (get(c, p) as string[] | undefined)?.length ?? 0;
            const bad = fc.oneof(
                fc.constant(""),
                matching(pattern).map((s) => `-${s}`),
                fc
                    .tuple(matching(pattern), fc.nat(), fc.constantFrom(" ", ";", "'", '"', "|", "&", "$", "`", "\t", "(", ")", "\n"))
                    .map(([s, i, ch]) => s.slice(0, i % (s.length + 1)) + ch + s.slice(i % (s.length + 1))),
                ...(list === "apt" ? [fc.constantFrom("Graphviz", "libX11-dev", "graphviz=")] : []),
            );
            return fc.tuple(fc.nat({ max: items }), bad).map(([i, v]) => setting("bad package", [...p, i], v, `${named([...p, i], v)} must be a`));
        }),
    ];
    if (!get(c, ["dask", "packages", "conda"])?.length) {
        out.push(
            fc
                .array(matching(CONDA_CHANNEL), { minLength: 1, maxLength: 2 })
                .map((v) =>
                    setting(
                        "channels without conda",
                        ["dask", "packages", "condaChannels"],
                        v,
                        `${named(["dask", "packages", "condaChannels"], v)} only applies with`,
                    ),
                ),
        );
    }
    return out;
}

// --- Cross-field rules

function services(c: StackCase): fc.Arbitrary<Mutation>[] {
    const out: fc.Arbitrary<Mutation>[] = [];
    for (const role of ["scheduler", "jupyter"]) {
        const service = ["dask", role, "service"];
        const ranges = [...service, "loadBalancerSourceRanges"];
        if (get(c, [...service, "type"]) !== "LoadBalancer") {
            out.push(
                fc.constant(setting("LoadBalancer without ranges", [...service, "type"], "LoadBalancer", `${key(ranges)} (unset) must list the CIDR blocks`)),
            );
            out.push(fc.array(cidr, { maxLength: 3 }).map((v) => setting("ranges without LoadBalancer", ranges, v, `${named(ranges, v)} only applies when`)));
        } else {
            out.push(fc.constant(setting("LoadBalancer with no ranges", ranges, [], `${named(ranges, [])} must list the CIDR blocks`)));
        }
    }
    if (get(c, ["dask", "jupyter", "enabled"]) === false) {
        out.push(
            fc
                .constantFrom("ClusterIP", "NodePort")
                .map((type) =>
                    setting(
                        "service of a disabled Jupyter",
                        ["dask", "jupyter", "service"],
                        { type },
                        `${named(["dask", "jupyter", "enabled"], false)} is false, yet`,
                    ),
                ),
        );
    }
    return out;
}

function workers(c: StackCase): fc.Arbitrary<Mutation>[] {
    const env = ["dask", "workers", "env"];
    const out = [
        fc
            .tuple(fc.oneof(fc.constantFrom("", "1A", "A-B", "A.B", "A B", "Ä"), matching(/^[0-9][A-Za-z0-9_]{0,8}$/)), fc.string({ maxLength: 6 }))
            .map(([name, v]) => setting("bad env name", [...env, name], v, `${named([...env, name], name)} must be an environment variable name`)),
        // Set from dask.packages, or by the component itself.
        fc
            .tuple(fc.constantFrom(...RESERVED_ENV), fc.string({ maxLength: 10 }))
            .map(([name, v]) => setting("reserved env", [...env, name], v, `${named([...env, name], v)} is set `)),
    ];
    if (get(c, ["autoscaling", "enabled"]) !== false) {
        out.push(
            count(0).map((v) =>
                setting(
                    "replicas while autoscaled",
                    ["dask", "workers", "replicas"],
                    v,
                    `${named(["dask", "workers", "replicas"], v)} has no effect while ${key(["autoscaling", "enabled"])} is on: the autoscaler owns the worker count`,
                ),
            ),
        );
    }
    return out;
}

function autoscalers(c: StackCase): fc.Arbitrary<Mutation>[] {
    const out: fc.Arbitrary<Mutation>[] = [];
    const max: number = get(c, ["autoscaling", "maxReplicas"]) ?? 3;
    // Checked also while autoscaling is off: turning it back on must not meet a bad value.
    if (max < MAX_INT32) {
        out.push(
            count(max + 1).map((v) =>
                setting(
                    "min above max",
                    ["autoscaling", "minReplicas"],
                    v,
                    `${named(["autoscaling", "minReplicas"], v)} must not exceed ${key(["autoscaling", "maxReplicas"])}`,
                ),
            ),
        );
    }
    // Each metric's own settings, and scale to zero, refused for the other.
    const rule = (metric: string) => `only applies when ${key(["autoscaling", "metric"])} is "${metric}"`;
    if ((get(c, ["autoscaling", "metric"]) ?? "dask") === "dask") {
        out.push(
            count(1, 100).map((v) =>
                setting(
                    "CPU target for dask",
                    ["autoscaling", "targetCpuUtilization"],
                    v,
                    `${named(["autoscaling", "targetCpuUtilization"], v)} ${rule("cpu")}`,
                ),
            ),
        );
    } else {
        out.push(
            count(1, 3600).map((v) =>
                setting(
                    "polling for cpu",
                    ["autoscaling", "pollingIntervalSeconds"],
                    v,
                    `${named(["autoscaling", "pollingIntervalSeconds"], v)} ${rule("dask")}`,
                ),
            ),
            fc.constant(
                setting(
                    "zero on cpu",
                    ["autoscaling", "minReplicas"],
                    0,
                    `${named(["autoscaling", "minReplicas"], 0)} must be at least 1 with ${key(["autoscaling", "metric"])} "cpu"`,
                ),
            ),
        );
    }
    return out;
}

function kedas(c: StackCase): fc.Arbitrary<Mutation>[] {
    if (get(c, ["keda", "mode"]) !== "existing") {
        return [];
    }
    const rule = `only applies when ${key(["keda", "mode"])} is "chart"`;
    return [
        fc.boolean().map((v) => setting("chart setting without the chart", ["keda", "createNamespace"], v, `${named(["keda", "createNamespace"], v)} ${rule}`)),
        fc
            .constantFrom<[string, unknown]>(["namespace", "autoscalers"], ["chart", { version: "2.20.2" }], ["values", {}])
            .map(([k, v]) => setting("chart setting without the chart", ["keda", k], v, `${key(["keda", k])} (set) ${rule}`)),
    ];
}

function metricsServers(c: StackCase): fc.Arbitrary<Mutation>[] {
    if (get(c, ["metricsServer", "mode"]) !== "existing") {
        return [];
    }
    const rule = `only applies when ${key(["metricsServer", "mode"])} is "chart"`;
    return [
        fc
            .boolean()
            .map((v) =>
                setting(
                    "chart setting without the chart",
                    ["metricsServer", "kubeletInsecureTls"],
                    v,
                    `${named(["metricsServer", "kubeletInsecureTls"], v)} ${rule}`,
                ),
            ),
        fc
            .constantFrom<[string, unknown]>(["namespace", "monitoring"], ["chart", { version: "3.13.1" }], ["values", {}])
            .map(([k, v]) => setting("chart setting without the chart", ["metricsServer", k], v, `${key(["metricsServer", k])} (set) ${rule}`)),
    ];
}

function targets(c: StackCase): fc.Arbitrary<Mutation>[] {
    if (c.settings.target === "eks") {
        const out: fc.Arbitrary<Mutation>[] = [
            fc.constant<Mutation>({ kind: "no region", edit: { raw: "aws:region", text: undefined }, expect: "aws:region (unset) is required for target eks" }),
            fc
                .constantFrom({}, { context: "minikube" })
                .map((v) => setting("kubeconfig with eks", ["kubeconfig"], v, `${PROJECT}:kubeconfig (set) only applies to targets minikube and existing`)),
            fc
                .oneof(
                    fc.string().filter((v) => !KUBERNETES_VERSION.test(v)),
                    fc.constantFrom("1.3", "1.345", "2.30", "v1.34", "1.34.0", " 1.34"),
                )
                .map((v) =>
                    setting(
                        "Kubernetes version",
                        ["eks", "kubernetesVersion"],
                        v,
                        `${named(["eks", "kubernetesVersion"], v)} must be a Kubernetes minor version`,
                    ),
                ),
            fc.constant(setting("no instance types", ["eks", "instanceTypes"], [], `${named(["eks", "instanceTypes"], [])} must list at least one`)),
            fc
                .tuple(
                    fc.nat({ max: get(c, ["eks", "instanceTypes"])?.length ?? 0 }),
                    fc.constantFrom("T3.xlarge", "t3", "t3.", ".xlarge", "t3 xlarge", "3t.large", "t3.x_large", ""),
                )
                .map(([i, v]) =>
                    setting("instance type", ["eks", "instanceTypes", i], v, `${named(["eks", "instanceTypes", i], v)} must be an EC2 instance type`),
                ),
        ];
        const desired: number = get(c, ["eks", "desiredNodes"]) ?? 2;
        if (desired < MAX_INT32) {
            out.push(
                count(desired + 1).map((v) =>
                    setting(
                        "min nodes above desired",
                        ["eks", "minNodes"],
                        v,
                        `${named(["eks", "minNodes"], v)} must not exceed ${key(["eks", "desiredNodes"])}`,
                    ),
                ),
            );
        }
        if (desired >= 2) {
            out.push(
                count(1, desired - 1).map((v) =>
                    setting(
                        "max nodes below desired",
                        ["eks", "maxNodes"],
                        v,
                        `${named(["eks", "desiredNodes"], desired)} must not exceed ${named(["eks", "maxNodes"], v)}`,
                    ),
                ),
            );
        }
        if (get(c, ["eks", "network"]) !== undefined) {
            out.push(
                cidrV4(16, 28).map((v) => setting("VPC CIDR with a network", ["eks", "vpcCidr"], v, `${named(["eks", "vpcCidr"], v)} cannot be combined`)),
            );
            out.push(
                fc
                    .tuple(fc.constantFrom("publicSubnetIds", "privateSubnetIds"), fc.array(fc.string(), { maxLength: 1 }))
                    .map(([list, v]) =>
                        setting("one subnet", ["eks", "network", list], v, `${named(["eks", "network", list], v)} must list subnets in at least two`),
                    ),
            );
        }
        return out;
    }
    const out = [
        fc.constantFrom({}, { minNodes: 1 }).map((v) => setting("eks without eks", ["eks"], v, `${PROJECT}:eks (set) only applies to target eks`)),
        fc
            .string()
            .filter((v) => !ALL_CONTEXTS.includes(v))
            .map((v) => setting("unknown context", ["kubeconfig", "context"], v, `${named(["kubeconfig", "context"], v)} must be a context in`)),
        matching(/^[a-z0-9]{1,8}$/)
            .map((s) => path.join(dir, `missing-${s}`))
            .map((v) => setting("missing kubeconfig", ["kubeconfig", "kubeconfigPath"], v, `${named(["kubeconfig", "kubeconfigPath"], v)} does not exist`)),
        fc.constant(
            setting(
                "broken kubeconfig",
                ["kubeconfig", "kubeconfigPath"],
                brokenKubeconfig,
                `${named(["kubeconfig", "kubeconfigPath"], brokenKubeconfig)} is not a readable kubeconfig`,
            ),
        ),
    ];
    if (c.settings.target === "minikube" && get(c, ["kubeconfig", "context"]) === undefined) {
        // The default context, minikube, is not in this file.
        out.push(
            fc.constant(
                setting(
                    "no minikube context",
                    ["kubeconfig", "kubeconfigPath"],
                    otherKubeconfig,
                    `${named(["kubeconfig", "context"], "minikube")} must be a context in ${otherKubeconfig}`,
                ),
            ),
        );
    }
    return out;
}

/** A value no message may show: it was set with --secret. */
const secretValue = matching(/^[A-Za-z0-9]{6,16}$/).map((s) => `Pw-${s}`);

const JUPYTER_OFF_WITH_SETTINGS =
    `${named(["dask", "jupyter", "enabled"], false)} is false, yet ${key(["jupyterPassword"])}, ` +
    `${key(["dask", "jupyter", "service"])} or ${key(["secretEnv", "jupyter"])} is set: enable Jupyter or drop them`;

function passwords(c: StackCase): fc.Arbitrary<Mutation>[] {
    const p = ["jupyterPassword"];
    const out: fc.Arbitrary<Mutation>[] = [
        // In the stack file without --secret: refused, whichever other problem it has, and never shown.
        secretValue.map((v): Mutation => ({
            kind: "plaintext password",
            edit: { set: p, value: v, secret: "plaintext" },
            expect: `${key(p)} is stored in plaintext: set it with \`pulumi config set --secret jupyterPassword\``,
            secret: v,
        })),
    ];
    if (get(c, ["dask", "jupyter", "enabled"]) === false) {
        out.push(
            secretValue.map((v): Mutation => ({
                kind: "password without Jupyter",
                edit: { set: p, value: v, secret: "secret" },
                expect: JUPYTER_OFF_WITH_SETTINGS,
                secret: v,
            })),
        );
    } else {
        out.push(
            fc.oneof(fc.constant("dask"), fc.string({ maxLength: 7 })).map((v): Mutation => ({
                kind: "weak password",
                edit: { set: p, value: v, secret: "secret" },
                expect: `${key(p)} (secret) must ${v === "dask" ? "not be the chart's public default password" : "be at least 8 characters long"}`,
            })),
        );
    }
    return out;
}

/** Settings where a plain value fits: a --secret one there is refused by the secret rule alone. */
function plainLeaves(c: StackCase): fc.Arbitrary<Path> {
    const pip = (get(c, ["dask", "packages", "pip"]) as string[] | undefined)?.length ?? 0;
    return fc.oneof(
        envName.map((n) => ["dask", "workers", "env", n]),
        // Leaves the secret value is no valid setting for: refused as a secret, never shown by the setting's own rule.
        fc.constant(["dask", "namespace"]),
        fc.constant(["dask", "workers", "env", "EXTRA_PIP_PACKAGES"]),
        fc.constant(["dask", "image", "tag"]),
        // A list item (`daskk8s:dask.packages.pip[1]`), e.g. a requirement with a token in its URL.
        fc.nat({ max: pip }).map((i) => ["dask", "packages", "pip", i]),
        matching(/^[a-z][a-zA-Z0-9]{0,8}$/).map((k) => ["dask", "values", k]),
        matching(/^[a-z][a-zA-Z0-9]{0,8}$/).map((k) => ["metricsServer", "values", k]),
        ...(c.settings.target === "eks" ? [matching(/^[a-z][a-zA-Z0-9]{0,8}$/).map((k) => ["eks", "tags", k])] : []),
    );
}

function secrets(c: StackCase): fc.Arbitrary<Mutation>[] {
    const jupyterOn = get(c, ["dask", "jupyter", "enabled"]) !== false;
    const roles = jupyterOn ? ["workers", "jupyter"] : ["workers"];
    const holds = "(secret) holds a value set with --secret, which this setting would write in plaintext";
    const plaintext = (p: Path) =>
        `${key(p)} is stored in plaintext: set it with \`pulumi config set --secret --path ${key(p).slice(PROJECT.length + 1)} <value>\``;
    const out: fc.Arbitrary<Mutation>[] = [
        // `pulumi config set --secret --path dask.workers.env.TOKEN ...`: refused, naming the path (one line), never the value.
        fc.tuple(plainLeaves(c), secretValue).map(([p, v]): Mutation => ({
            kind: "secret in a plain setting",
            edit: { set: p, value: v, secret: "secret" },
            expect: `${key(p)} ${holds}`,
            secret: v,
            lines: 1,
        })),
        // A secret variable under a name that is not allowed: named, the value never shown.
        fc.tuple(fc.constantFrom(...roles), fc.constantFrom(...RESERVED_ENV), secretValue).map(([role, name, v]): Mutation => ({
            kind: "reserved secret variable",
            edit: { set: ["secretEnv", role, name], value: v, secret: "secret" },
            expect: [`${key(["secretEnv", role, name])} (secret) `, "is set "],
            secret: v,
        })),
        // The name is shown (it is no secret), the value never.
        fc
            .tuple(fc.constantFrom(...roles), fc.oneof(fc.constantFrom("", "1A", "A-B", "A.B", "A B"), matching(/^[0-9][A-Za-z0-9_]{0,8}$/)), secretValue)
            .map(([role, name, v]): Mutation => ({
                kind: "bad secret variable name",
                edit: { set: ["secretEnv", role, name], value: v, secret: "secret" },
                expect: `${named(["secretEnv", role, name], name)} must be an environment variable name`,
                literal: true,
                secret: v,
            })),
    ];
    // A secretEnv set without --secret in the stack file: each plain value named.
    if (c.settings.secretEnv === undefined) {
        out.push(
            fc.tuple(fc.constantFrom(...roles), envName, secretValue).map(([role, name, v]): Mutation => ({
                kind: "plaintext secretEnv",
                edit: { set: ["secretEnv", role, name], value: v, secret: "plaintext" },
                expect: plaintext(["secretEnv", role, name]),
                secret: v,
            })),
        );
    }
    // One value in plaintext among secret ones.
    if (c.stackFile.secure.some((p) => within(p, key(["secretEnv"])))) {
        out.push(
            fc
                .tuple(fc.constantFrom(...roles), envName, secretValue)
                .filter(
                    ([role, name]) =>
                        get(c, ["secretEnv", role, name]) === undefined && (role !== "workers" || get(c, ["dask", "workers", "env", name]) === undefined),
                )
                .map(([role, name, v]): Mutation => ({
                    kind: "plaintext secret variable",
                    edit: { set: ["secretEnv", role, name], value: v, secret: "plaintext" },
                    expect: plaintext(["secretEnv", role, name]),
                    secret: v,
                    lines: 1,
                })),
        );
    }
    // The same variable in both places.
    const plainNames = Object.keys(get(c, ["dask", "workers", "env"]) ?? {});
    if (plainNames.length > 0) {
        out.push(
            fc.tuple(fc.constantFrom(...plainNames), secretValue).map(([name, v]): Mutation => ({
                kind: "variable in env and secretEnv",
                edit: { set: ["secretEnv", "workers", name], value: v, secret: "secret" },
                expect: [`${key(["secretEnv", "workers", name])} (`, `is also set in ${key(["dask", "workers", "env", name])}`],
                secret: v,
            })),
        );
    }
    if (!jupyterOn) {
        out.push(
            fc.tuple(envName, secretValue).map(([name, v]): Mutation => ({
                kind: "secret Jupyter variable without Jupyter",
                edit: { set: ["secretEnv", "jupyter", name], value: v, secret: "secret" },
                expect: JUPYTER_OFF_WITH_SETTINGS,
                secret: v,
            })),
        );
    }
    // A whole ordinary setting set with --secret (`pulumi config set --secret dask '{...}'`): named, one line.
    const plainSettings = Object.keys(c.settings).filter((k) => k !== "jupyterPassword" && k !== "secretEnv");
    out.push(
        fc
            .constantFrom(...plainSettings)
            .map((k): Mutation => ({ kind: "whole setting set with --secret", edit: { secureKey: key([k]) }, expect: `${key([k])} ${holds}`, lines: 1 })),
    );
    return out;
}

const misspelledProject = fc
    .oneof(
        fc.constantFrom("dask", "daskk8", "dask-k8s", "daskK8s", "Daskk8s", "DASKK8S", "dask8s", "daskk9s", "daskk8ss", "daskk8s-dev", "daskk8s "),
        typo(PROJECT),
    )
    .filter((p) => p !== PROJECT && !["pulumi", "aws", "awsx", "eks", "kubernetes"].includes(p) && !p.includes(":"));

function prefixes(): fc.Arbitrary<Mutation> {
    const setting = fc.oneof(fc.constantFrom(...OBJECT_KEYS[""]), matching(/^[a-zA-Z][a-zA-Z0-9.]{0,12}$/));
    return fc.oneof(
        fc
            .tuple(misspelledProject, setting, fc.string())
            .map(([p, k, text]): Mutation => ({ kind: "misspelled project", edit: { raw: `${p}:${k}`, text }, expect: `${p}:${k} is not read by anything` })),
        fc.tuple(fc.constantFrom("context", "kubeconfig", "namespace", "enableServerSideApply"), fc.string()).map(([k, text]): Mutation => ({
            kind: "kubernetes provider",
            edit: { raw: `kubernetes:${k}`, text },
            expect: `kubernetes:${k} is not read: the program makes its own Kubernetes provider`,
        })),
    );
}

/**
 * What the loader shows for a value under a setting that holds a secret:
 * `daskk8s:secretEnv.workers (secret)`, never the value. jupyterPassword and
 * secretEnv are secret by definition, also when the stack file does not hold
 * them (an ESC environment).
 */
function hidingSecrets(expected: string, file: StackFileValues): string {
    const match = /^([^\s:]+:[^\s.[]+)([^\s]*) \((.*)\)$/.exec(expected);
    if (match === null) {
        return expected;
    }
    const [, top, rest] = match;
    return secretKeysOf(file).includes(top) || SECRET_SETTINGS.some((k) => top === key([k])) ? `${top}${rest} (secret)` : expected;
}

/** One of the mutations that apply to this config: each family above equally likely, then each of its kinds. */
function mutationOf(c: StackCase): fc.Arbitrary<Mutation> {
    const families = [
        [wrongType(c)],
        [wrongTopLevelText(c)],
        [unknownKey(c)],
        [enumValue(c)],
        [wholeNumberOutOfRange(c)],
        [notAWholeNumber(c)],
        [prefixes()],
        cidrs(c),
        names(c),
        quantities(c),
        images(c),
        charts(c),
        packageLists(c),
        services(c),
        workers(c),
        autoscalers(c),
        metricsServers(c),
        kedas(c),
        targets(c),
        passwords(c),
        secrets(c),
    ];
    return fc.oneof(...families.filter((f) => f.length > 0).map((f) => fc.oneof(...f)));
}

// ---------------------------------------------------------------------------

describe("stack config properties", () => {
    it("loads every stack config the rules allow", async () => {
        await fc.assert(
            fc.asyncProperty(validCase, async (c) => {
                const s = loadStackConfig(toRaw(c));
                assert.equal(s.target.kind, c.settings.target === "eks" ? "eks" : "kubeconfig");
                // The autoscaler's args exactly while autoscaling is on; the replicas only without it.
                const { enabled, ...autoscaler } = c.settings.autoscaling ?? {};
                // (As JSON: the generated objects may have no prototype, the loader's do.)
                assert.deepEqual(s.dask.workers?.autoscaling, enabled !== false ? JSON.parse(JSON.stringify(autoscaler)) : undefined);
                assert.equal(s.dask.workers?.replicas, get(c, ["dask", "workers", "replicas"]));
                // Secrets reach DaskCluster as Pulumi secrets, from the stack file or an environment alike.
                const secretText = async (value: unknown, what: string) => {
                    assert.ok(pulumi.Output.isInstance(value), `${what} is a Pulumi output`);
                    const output = value as pulumi.Output<string>;
                    assert.equal(await pulumi.isSecret(output), true, `${what} is a Pulumi secret`);
                    return promiseOf(output);
                };
                const password = c.settings.jupyterPassword;
                assert.equal(password === undefined ? s.dask.jupyter?.password : await secretText(s.dask.jupyter?.password, "jupyter.password"), password);
                for (const role of ["workers", "jupyter"] as const) {
                    const expected: Record<string, unknown> | undefined = get(c, ["secretEnv", role]);
                    const actual = s.dask[role]?.secretEnv;
                    assert.equal(actual === undefined, expected === undefined, `${role}.secretEnv`);
                    assert.deepEqual(Object.keys(actual ?? {}).sort(), Object.keys(expected ?? {}).sort());
                    for (const [name, value] of Object.entries(expected ?? {})) {
                        assert.equal(await secretText(actual![name], `${role}.secretEnv.${name}`), String(value));
                    }
                }
            }),
            params(VALID_RUNS),
        );
    });

    it("refuses one bad setting, naming its full key and value", () => {
        fc.assert(
            fc.property(
                validCase.chain((base) => mutationOf(base).map((mutation) => ({ base, mutation }))),
                ({ base, mutation }) => {
                    let error: unknown;
                    const raw = mutate(base, mutation.edit);
                    try {
                        loadStackConfig(raw);
                    } catch (err) {
                        error = err;
                    }
                    assert.ok(
                        error instanceof StackConfigError,
                        `${mutation.kind}: expected a StackConfigError with ${mutation.expect}; got ${error === undefined ? "none" : String(error)}`,
                    );
                    for (const part of [mutation.expect].flat().map((e) => (mutation.literal ? e : hidingSecrets(e, raw.stackFile!)))) {
                        assert.ok(error.message.includes(part), `${mutation.kind}: expected "${part}" in:\n${error.message}`);
                    }
                    if (mutation.lines !== undefined) {
                        assert.equal(error.lines.length, mutation.lines, `${mutation.kind}: expected ${mutation.lines} line(s) in:\n${error.message}`);
                    }
                    if (mutation.secret !== undefined) {
                        assert.ok(!error.message.includes(mutation.secret), `${mutation.kind}: the message shows the secret:\n${error.message}`);
                    }
                },
            ),
            params(MUTATION_RUNS),
        );
    });
});
