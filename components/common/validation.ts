import * as pulumi from "@pulumi/pulumi";

/** The largest value of a Kubernetes int32 field (replicas, ports, seconds). */
export const MAX_INT32 = 2_147_483_647;

/**
 * One problem with one argument: `path` is the argument's dotted path (as the
 * user wrote it), `value` what it got, `rule` what it accepts.
 */
export interface ArgIssue {
    path: string;
    value: unknown;
    rule: string;
}

/** A value the messages describe rather than show: `(secret)`, `(set)`. */
export class Described {
    constructor(readonly description: string) {}
}
/** A secret value: messages say `(secret)`, never the value. */
export const SECRET = new Described("secret");
/** An object or list that is set where it does not apply. */
export const SET = new Described("set");

/** Renders a value the way the user wrote it, short enough for one line. */
export function show(value: unknown): string {
    if (value === undefined) {
        return "unset";
    }
    if (value instanceof Described) {
        return value.description;
    }
    const text = typeof value === "string" ? JSON.stringify(value) : (JSON.stringify(value) ?? String(value));
    return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/**
 * `workers.replicas (-1) must be a whole number from 0 to 2147483647 ...`. Other arguments named in
 * a rule are written `{{path}}`; `keyPrefix` goes before every path, so that
 * stack config errors name full config keys.
 */
export function formatIssue(issue: ArgIssue, keyPrefix = ""): string {
    return `${keyPrefix}${issue.path} (${show(issue.value)}) ${formatRule(issue.rule, keyPrefix)}`;
}

/** A rule with the other arguments it names (`{{path}}`) written as `keyPrefix` + path. */
export function formatRule(rule: string, keyPrefix = ""): string {
    return rule.replace(/\{\{([^}]+)\}\}/g, (_, path: string) => `${keyPrefix}${path}`);
}

/**
 * Thrown by a component constructor before it registers anything. A RunError,
 * so Pulumi shows the message without a stack trace.
 */
export class InvalidArgsError extends pulumi.RunError {
    constructor(
        readonly component: string,
        readonly resourceName: string,
        readonly issues: ArgIssue[],
    ) {
        super(`${component} "${resourceName}" has invalid arguments:\n${issues.map((i) => `  ${formatIssue(i)}`).join("\n")}`);
        this.name = "InvalidArgsError";
    }
}

/** Throws an InvalidArgsError when there are issues. */
export function throwIfInvalid(component: string, name: string, issues: ArgIssue[]): void {
    if (issues.length > 0) {
        throw new InvalidArgsError(component, name, issues);
    }
}

/**
 * The plain value of an input, or undefined when it is only known later (an
 * Output or a Promise). Validators check what is known when the program runs;
 * values that arrive as outputs are checked by Kubernetes itself.
 */
export function known<T>(input: pulumi.Input<T> | undefined): T | undefined {
    if (input === undefined || pulumi.Output.isInstance(input) || input instanceof Promise) {
        return undefined;
    }
    return input as T;
}

/**
 * Collects the issues of the rules between arguments (value checks are the
 * settings schemas'); a check is a no-op for values not known yet.
 */
export class IssueList {
    readonly issues: ArgIssue[] = [];

    add(path: string, value: unknown, rule: string): void {
        this.issues.push({ path, value, rule });
    }

    notAbove(lowPath: string, low: pulumi.Input<number> | undefined, highPath: string, high: pulumi.Input<number> | undefined): void {
        const lo = known(low);
        const hi = known(high);
        if (lo !== undefined && hi !== undefined && lo > hi) {
            this.add(lowPath, lo, `must not exceed {{${highPath}}} (${hi})`);
        }
    }
}

// A DNS-1123 label: Kubernetes namespace and object names.
export const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
export const DNS_LABEL_TEXT = "a DNS-1123 label (lowercase letters, digits and '-', at most 63 characters)";
