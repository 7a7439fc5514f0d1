import * as pulumi from "@pulumi/pulumi";

/** One resource registration the mock saw. */
export interface Registered {
    type: string;
    name: string;
    inputs: Record<string, any>;
    provider?: string;
    transforms: pulumi.ResourceTransform[];
    /** URNs this resource waits for (its dependsOn and input dependencies). */
    dependencies: string[];
    /** Its ignoreChanges option. */
    ignoreChanges: string[];
    /** URN of its parent ("" for the stack's own resources). */
    parent: string;
    /** Its aliases, as the engine gets them: `{ name, type, parentUrn, noParent }` specs. */
    aliases: { name?: string; type?: string; parentUrn?: string; noParent?: boolean }[];
}

interface RegisterRequest {
    getType(): string;
    getName(): string;
    getIgnorechangesList(): string[];
    getDependenciesList(): string[];
    getParent(): string;
    getAliasesList(): { getSpec?(): unknown; toObject(): { spec?: { name?: string; type?: string; parenturn?: string; noparent?: boolean } } }[];
}

/** Outputs the engine would add for types whose outputs are not their inputs. */
function providerOutputs(type: string, name: string, inputs: Record<string, any>): Record<string, unknown> {
    switch (type) {
        case "kubernetes:core/v1:Secret":
            return { metadata: { ...inputs.metadata, resourceVersion: "4711" } };
        case "kubernetes:helm.sh/v4:Chart":
            return { resources: [] };
        case "awsx:ec2:Vpc":
            return { vpcId: "vpc-123", publicSubnetIds: ["subnet-pub-a", "subnet-pub-b"], privateSubnetIds: ["subnet-priv-a", "subnet-priv-b"] };
        case "eks:index:Cluster":
            return {
                kubeconfigJson: '{"apiVersion":"v1","users":[{"name":"aws","user":{"token":"eks-token"}}]}',
                eksCluster: {
                    name: "dask-eks-1234",
                    arn: "arn:aws:eks:us-west-2:123456789012:cluster/dask-eks-1234",
                    vpcConfig: { clusterSecurityGroupId: "sg-eks-cluster" },
                },
                oidcProviderArn: "arn:aws:iam::123456789012:oidc-provider/oidc.eks.us-west-2.amazonaws.com/id/ABC",
                oidcProviderUrl: "oidc.eks.us-west-2.amazonaws.com/id/ABC",
            };
        case "aws:sqs/queue:Queue":
            return {
                name: `${name}-q1`,
                arn: `arn:aws:sqs:us-west-2:123456789012:${name}-q1`,
                url: `https://sqs.us-west-2.amazonaws.com/123456789012/${name}-q1`,
            };
        case "aws:cloudwatch/eventRule:EventRule":
            return { name: `${name}-r1` };
        case "aws:iam/role:Role":
            return { name: `${name}-7f3a`, arn: `arn:aws:iam::123456789012:role/${name}` };
        default:
            return inputs.metadata?.name === undefined &&
                type.startsWith("kubernetes:") &&
                !type.startsWith("kubernetes:helm") &&
                type !== "pulumi:providers:kubernetes"
                ? { metadata: { ...inputs.metadata, name: `${name}-autonamed` } }
                : {};
    }
}

/**
 * Installs Pulumi mocks that record every registration (into `registered`,
 * which may be an earlier call's list). Each call is a new program run, with
 * its own component claims (components/common/claims.ts). Any provider function
 * call fails the test: nothing here should invoke a provider.
 */
export function installMocks(project = "daskk8s", stack = "test", registered: Registered[] = []): Registered[] {
    const dependencies = new Map<string, Pick<Registered, "dependencies" | "ignoreChanges" | "parent" | "aliases">>();
    pulumi.runtime.setMocks(
        {
            newResource(args) {
                registered.push({
                    type: args.type,
                    name: args.name,
                    inputs: args.inputs,
                    provider: args.provider,
                    transforms: (args as { transforms?: pulumi.ResourceTransform[] }).transforms ?? [],
                    ...(dependencies.get(`${args.type}::${args.name}`) ?? { dependencies: [], ignoreChanges: [], parent: "", aliases: [] }),
                });
                return { id: `${args.name}-id`, state: { ...args.inputs, ...providerOutputs(args.type, args.name, args.inputs) } };
            },
            call(args) {
                throw new Error(`unexpected provider call ${args.token}(${JSON.stringify(args.inputs)})`);
            },
        },
        project,
        stack,
        false,
        "organization",
    );
    // The mock interface does not pass dependencies, parents or aliases on;
    // read them off the registration request before the mock monitor handles it.
    const monitor = pulumi.runtime.getMonitor() as unknown as { registerResource(req: RegisterRequest, callback: unknown): unknown };
    const register = monitor.registerResource.bind(monitor);
    monitor.registerResource = (req, callback) => {
        dependencies.set(`${req.getType()}::${req.getName()}`, {
            dependencies: req.getDependenciesList(),
            ignoreChanges: req.getIgnorechangesList(),
            parent: req.getParent(),
            aliases: req.getAliasesList().map((alias) => {
                const spec = alias.toObject().spec ?? {};
                return { name: spec.name, type: spec.type, parentUrn: spec.parenturn, noParent: spec.noparent };
            }),
        });
        return register(req, callback);
    };
    return registered;
}

/** The value of an output, once known. */
export function promiseOf<T>(output: pulumi.Output<T>): Promise<T> {
    return new Promise((resolve) =>
        output.apply((value) => {
            resolve(value);
            return value;
        }),
    );
}

// The SDK's queue of outstanding resource RPCs (what `pulumi up` waits for
// before it exits); not in its public types.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const runtimeState = require("@pulumi/pulumi/runtime/state") as { getStore(): { settings: { rpcDone: Promise<void> } } };

/** Waits until the mock has seen every registration made so far. */
export async function settle(): Promise<void> {
    let done: Promise<void> | undefined;
    while (done !== runtimeState.getStore().settings.rpcDone) {
        done = runtimeState.getStore().settings.rpcDone;
        await done;
    }
}

/** The one registration of `type` whose name is `name`. */
export function find(registered: Registered[], type: string, name: string): Registered {
    const matches = registered.filter((r) => r.type === type && r.name === name);
    if (matches.length !== 1) {
        const seen = registered.map((r) => `${r.type} ${r.name}`).join("\n  ");
        throw new Error(`expected one ${type} named ${name}, found ${matches.length}; registered:\n  ${seen}`);
    }
    return matches[0];
}

/** Runs a registration's transforms on a rendered object, as the engine would. */
export async function applyTransforms(registration: Registered, object: { kind: string; [key: string]: unknown }): Promise<Record<string, any>> {
    let props: Record<string, any> = object;
    for (const transform of registration.transforms) {
        const result = await transform({ custom: true, type: `kubernetes:${object.kind}`, name: "child", props, opts: {} });
        props = (result?.props as Record<string, any>) ?? props;
    }
    return props;
}

// How a secret input reaches the mock: Pulumi's wire form for secrets.
const SIG_KEY = "4dabf18193072939515e22adb298388d";
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";

/** The plain value of an input that must have arrived as a secret; fails otherwise. */
export function secretInput(value: unknown): any {
    const wrapped = value as Record<string, unknown> | undefined;
    if (wrapped?.[SIG_KEY] !== SECRET_SIG) {
        throw new Error(`expected a secret, got plaintext ${JSON.stringify(value)}`);
    }
    return wrapped.value;
}
