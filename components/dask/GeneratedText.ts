import * as pulumi from "@pulumi/pulumi";

/** Letters and digits: safe in URLs, shells and config files. */
export const ALPHANUMERIC = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

export interface GeneratedTextArgs {
    /** Number of characters. */
    length: number;
    /** Characters to draw from. @default letters and digits */
    alphabet?: string;
    /** Any value; a new text is generated whenever it changes (e.g. a hash of what the text protects). */
    trigger?: pulumi.Input<string>;
}

interface State {
    length: number;
    alphabet: string;
    trigger: string;
    result?: string;
}

// Runs inside the engine's Node.js dynamic provider, so it may use only what
// it requires itself.
const generator: pulumi.dynamic.ResourceProvider = {
    async create(inputs: State) {
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const nodeCrypto = require("crypto") as typeof import("crypto");
        let result = "";
        for (let i = 0; i < inputs.length; i++) {
            result += inputs.alphabet[nodeCrypto.randomInt(inputs.alphabet.length)];
        }
        return { id: nodeCrypto.randomUUID(), outs: { ...inputs, result } };
    },
    async diff(_id: string, olds: State, news: State) {
        const replaces = (["length", "alphabet", "trigger"] as const).filter((key) => olds[key] !== news[key]);
        return { changes: replaces.length > 0, replaces, deleteBeforeReplace: false };
    },
};

/**
 * Whether GeneratedText can run for a program in `dir`: Pulumi's Node.js
 * dynamic-provider host loads @pulumi/pulumi from the program's directory,
 * which a YAML or Python program consuming the multi-language package does
 * not have (pulumi/pulumi#5455).
 */
export function dynamicProviderHostAvailable(dir: string): boolean {
    try {
        require.resolve("@pulumi/pulumi/cmd/dynamic-provider", { paths: [dir] });
        return true;
    } catch {
        return false;
    }
}

/** An explicit Node.js dynamic provider, configured with nothing. */
class DynamicProviderHost extends pulumi.ProviderResource {
    constructor(name: string, opts?: pulumi.ResourceOptions) {
        super("pulumi-nodejs", name, {}, opts);
    }
}

/**
 * A random text drawn once with a cryptographic generator and then kept in
 * the stack's state as a secret (like `random.RandomPassword`, without a
 * provider plugin: it runs in the Node.js host Pulumi always ships).
 */
export class GeneratedText extends pulumi.dynamic.Resource {
    /** The text (secret). `declare`: the base constructor sets it. */
    declare public readonly result: pulumi.Output<string>;

    constructor(name: string, args: GeneratedTextArgs, opts?: pulumi.CustomResourceOptions) {
        const alphabet = args.alphabet ?? ALPHANUMERIC;
        if (!Number.isInteger(args.length) || args.length < 1 || alphabet.length < 2) {
            throw new Error(`GeneratedText "${name}": length (${args.length}) must be a whole number >= 1 and alphabet needs 2 or more characters`);
        }
        // An explicit provider with no configuration: the engine hands the
        // *default* dynamic provider the whole stack configuration, and stores
        // its secrets (a secretEnv token, aws:secretKey) readable in the state.
        const host = opts?.provider ?? new DynamicProviderHost(`${name}-host`, { parent: opts?.parent });
        super(
            generator,
            name,
            { length: args.length, alphabet, trigger: args.trigger ?? "", result: undefined },
            pulumi.mergeOptions(opts, { provider: host, additionalSecretOutputs: ["result", "trigger"] }),
        );
    }
}
