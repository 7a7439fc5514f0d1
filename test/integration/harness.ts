/**
 * Shared plumbing for the integration suite: the locally built toolchain, the
 * kwok control plane from scripts/cluster.sh, a file state backend, and
 * stacks made from the committed Pulumi.minikube.yaml.
 */
import { execFile } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { promisify } from "util";
import { parse, stringify } from "yaml";
import { EngineEvent, LocalWorkspace, Stack } from "@pulumi/pulumi/automation";

const exec = promisify(execFile);

export const REPO = path.resolve(__dirname, "..", "..");
/** The published chart packages the suite deploys (test/fixtures/charts: no download, no ../shared). */
export const CHARTS = path.join(REPO, "test", "fixtures", "charts");
export const TOOLS = process.env.DASKK8S_TOOLS_DIR ?? path.join(os.homedir(), ".cache", "daskk8s", "tools");
/** Gitignored scratch space: state backend and operation logs. */
export const WORK = path.join(REPO, ".integration");
export const STATE_DIR = path.join(WORK, "state");
export const LOG_DIR = path.join(WORK, "logs");
export const PASSPHRASE = "integration-suite-passphrase";

/** Environment for pulumi, kubectl and the scripts: local tools first, no network. */
export function toolEnv(): NodeJS.ProcessEnv {
    return {
        ...process.env,
        PATH: `${path.join(TOOLS, "bin")}${path.delimiter}${process.env.PATH}`,
        DASKK8S_TOOLS_DIR: TOOLS,
        PULUMI_SKIP_UPDATE_CHECK: "true",
        PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
        PULUMI_BACKEND_URL: `file://${STATE_DIR}`,
        PULUMI_CONFIG_PASSPHRASE: PASSPHRASE,
    };
}

// The Automation API finds `pulumi` on this process's PATH.
Object.assign(process.env, toolEnv());
fs.mkdirSync(STATE_DIR, { recursive: true });
fs.mkdirSync(LOG_DIR, { recursive: true });

/** Runs a command; rejects with its output when it fails. */
export async function run(command: string, args: string[], timeoutMs = 300_000, env: NodeJS.ProcessEnv = {}, cwd = REPO): Promise<string> {
    try {
        const { stdout } = await exec(command, args, { env: { ...toolEnv(), ...env }, cwd, timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 });
        return stdout;
    } catch (err) {
        const e = err as { stdout?: string; stderr?: string; message: string };
        throw new Error(`${command} ${args.join(" ")} failed: ${e.message}\n${e.stdout ?? ""}\n${e.stderr ?? ""}`);
    }
}

/** `helm install` of the dask chart into namespace dask, waiting for it, as the tutorial does (the benchmarks' baseline). */
export function helmInstallDask(chart: string, ...valueArgs: string[]): string[] {
    return ["install", "dask", chart, "--namespace", "dask", "--create-namespace", "--wait", "--timeout", "10m", ...valueArgs];
}

export const cluster = (...args: string[]) => run("bash", [path.join(REPO, "scripts", "cluster.sh"), ...args]);

/**
 * A second kwok cluster without a metrics server, in its own kwok work dir
 * (so that `down` of one never touches the other).
 */
export const BARE_CLUSTER_ENV = {
    DASKK8S_CLUSTER: "daskk8s-bare",
    DASKK8S_KWOK_WORKDIR: path.join(TOOLS, "..", "kwok-bare"),
    DASKK8S_METRICS_SERVER: "0",
    DASKK8S_NODES: "1",
    // The one real node belongs to the main cluster.
    DASKK8S_REAL_NODE: "0",
};
export const bareCluster = (...args: string[]) => run("bash", [path.join(REPO, "scripts", "cluster.sh"), ...args], 300_000, BARE_CLUSTER_ENV);

let kubeconfigFile: string | undefined;
export async function kubeconfig(): Promise<string> {
    kubeconfigFile ??= (await cluster("kubeconfig")).trim();
    return kubeconfigFile;
}

export async function kubectl(...args: string[]): Promise<string> {
    return run("kubectl", ["--kubeconfig", await kubeconfig(), ...args]);
}

export async function kubectlJson(...args: string[]): Promise<any> {
    return JSON.parse(await kubectl(...args, "-o", "json"));
}

/** Polls `probe` until it returns a value other than undefined, or fails after `timeoutMs`. */
export async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs: number, intervalMs = 2000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    let last: unknown;
    while (Date.now() < deadline) {
        try {
            const value = await probe();
            if (value !== undefined) {
                return value;
            }
        } catch (err) {
            last = err;
        }
        await new Promise((resolve) => setTimeout(resolve, intervalMs));
    }
    throw new Error(`timed out after ${timeoutMs / 1000}s waiting for ${what}${last ? `: ${last}` : ""}`);
}

/** Waits until a namespace (and so everything in it) is gone. */
export async function namespaceGone(namespace: string, timeoutMs = 180_000): Promise<void> {
    await waitFor(
        `namespace ${namespace} to be gone`,
        async () => {
            try {
                await kubectl("get", "namespace", namespace);
                return undefined;
            } catch (err) {
                return /NotFound/.test(String(err)) ? true : undefined;
            }
        },
        timeoutMs,
        1000,
    );
}

type Config = Record<string, any>;

/**
 * The committed minikube stack's config with only what this environment
 * demands changed: the kwok kubeconfig and context, the local charts, and the
 * cluster's own metrics-server (kwok's pods are simulated, so a chart-deployed
 * metrics-server could never serve metrics), and CPU autoscaling on the
 * simulated load: a simulated scheduler has no adaptive target for KEDA to
 * read, nor would simulated KEDA pods serve it (daskAutoscaling.test.ts runs
 * `metric: dask` on the real node).
 */
export async function minikubeConfigHere(): Promise<Config> {
    const committed = parse(fs.readFileSync(path.join(REPO, "Pulumi.minikube.yaml"), "utf8")).config as Config;
    const kubeconfigPath = await kubeconfig();
    const context = parse(fs.readFileSync(kubeconfigPath, "utf8"))["current-context"];
    const config = structuredClone(committed);
    config["daskk8s:kubeconfig"] = { kubeconfigPath, context };
    config["daskk8s:dask"].chart = { path: path.join(CHARTS, "dask-2024.1.1.tgz") };
    config["daskk8s:metricsServer"] = { mode: "existing" };
    delete config["daskk8s:keda"];
    config["daskk8s:autoscaling"] = { ...config["daskk8s:autoscaling"], metric: "cpu", targetCpuUtilization: 70 };
    return config;
}

/** Writes Pulumi.<stack>.yaml (gitignored: Pulumi.it-*.yaml) and selects the stack. */
export async function stackWithConfig(stackName: string, config: Config): Promise<Stack> {
    writeStackConfig(stackName, config);
    return LocalWorkspace.createOrSelectStack({ stackName, workDir: REPO }, { envVars: toolEnv() as Record<string, string> });
}

/** Keeps the file's encryptionsalt: values set with --secret stay readable. */
export function writeStackConfig(stackName: string, config: Config): void {
    const file = path.join(REPO, `Pulumi.${stackName}.yaml`);
    const salt = fs.existsSync(file) ? (parse(fs.readFileSync(file, "utf8")) as { encryptionsalt?: string } | null)?.encryptionsalt : undefined;
    fs.writeFileSync(file, stringify({ ...(salt !== undefined ? { encryptionsalt: salt } : {}), config }));
}

/** Everything pulumi printed, per stack, for the "no plaintext secrets in logs" check. */
export function logFile(stackName: string): string {
    return path.join(LOG_DIR, `${stackName}.log`);
}

/** Options for up/preview/destroy that keep the output in the stack's log and collect engine events. */
export function observe(stackName: string, events: EngineEvent[] = []) {
    const file = logFile(stackName);
    return {
        onOutput: (text: string) => fs.appendFileSync(file, text),
        onEvent: (event: EngineEvent) => events.push(event),
        color: "never" as const,
    };
}

/** The stack's state file in the file backend. */
export function stateFile(stackName: string, project = "daskk8s"): string {
    return path.join(STATE_DIR, ".pulumi", "stacks", project, `${stackName}.json`);
}

/** Removes a stack and its config file, whatever state it is in. */
export async function removeStack(stackName: string): Promise<void> {
    const ws = await LocalWorkspace.create({ workDir: REPO, envVars: toolEnv() as Record<string, string> });
    const stacks = await ws.listStacks();
    if (stacks.some((s) => s.name === stackName)) {
        await ws.removeStack(stackName, { force: true });
    }
    fs.rmSync(path.join(REPO, `Pulumi.${stackName}.yaml`), { force: true });
}
