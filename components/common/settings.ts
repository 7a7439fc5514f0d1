/**
 * Settings written once: each argument's type, range, default and description
 * in one zod schema. The components check their args with it, the stack
 * config is made of the same schemas, and docs/configuration.md is generated
 * from them (config/docs.ts).
 */
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { ArgIssue, MAX_INT32, SET, show } from "./validation";

/**
 * What a schema node says besides its type and range. A component argument's
 * description is its TSDoc (config/argDocs.ts reads it for the docs); only
 * the stack's own keys carry one here.
 */
export interface SettingMeta {
    [key: string]: unknown;
    /** For the stack's own keys (no args interface to document them). */
    description?: string;
    /** The value used when the setting is absent (the constructors read it from the same constant). */
    default?: unknown;
    /** The default in words, where it is computed (`the whole CPUs of the CPU limit`). */
    defaultText?: string;
}

/** The docs of a schema node, if it has any. */
export function metaOf(schema: z.ZodType): SettingMeta | undefined {
    return z.globalRegistry.get(schema) as SettingMeta | undefined;
}

/** The rule text of a whole number in a range (the message the checks show). */
function wholeNumberRule(min: number, max?: number): string {
    return max === undefined
        ? `must be a whole number from ${min} to ${MAX_INT32} (the largest Kubernetes accepts)`
        : `must be a whole number from ${min} to ${max}`;
}

/** A whole number from `min` to `max` (default: the largest int32, where every count here ends up). */
export function wholeNumber(range: { min: number; max?: number }, meta: SettingMeta = {}) {
    const rule = wholeNumberRule(range.min, range.max);
    return z
        .number()
        .refine((v) => Number.isInteger(v) && v >= range.min && v <= (range.max ?? MAX_INT32), { error: rule })
        .optional()
        .meta({ ...meta, minimum: range.min, maximum: range.max ?? MAX_INT32 });
}

/** A string matching `pattern`; `what` completes "must be ...". */
export function matching(pattern: RegExp, what: string, meta: SettingMeta = {}) {
    return z
        .string()
        .regex(pattern, { error: `must be ${what}` })
        .optional()
        .meta(meta);
}

/** A string `accept` approves; `what` completes "must be ...". */
export function accepted(accept: (value: string) => boolean, what: string, meta: SettingMeta = {}) {
    return z
        .string()
        .refine(accept, { error: `must be ${what}` })
        .optional()
        .meta(meta);
}

/** One of a few strings. */
export function oneOf<const T extends readonly [string, ...string[]]>(values: T, meta: SettingMeta = {}) {
    return z.enum(values).optional().meta(meta);
}

/** true or false. */
export function flag(meta: SettingMeta = {}) {
    return z.boolean().optional().meta(meta);
}

/** Any string (checked by a rule in code, or by what consumes it). */
export function anyText(meta: SettingMeta = {}) {
    return z.string().optional().meta(meta);
}

/** A list of strings, each matching `pattern`. */
export function listOf(pattern: RegExp | ((item: string) => boolean), what: string, meta: SettingMeta = {}) {
    const item = pattern instanceof RegExp ? z.string().regex(pattern, { error: `must be ${what}` }) : z.string().refine(pattern, { error: `must be ${what}` });
    return z.array(item).optional().meta(meta);
}

/** Numbers and booleans become their text: `pulumi config set --path ...N 4` stores a number. */
export const asText = (v: unknown) => (typeof v === "number" || typeof v === "boolean" ? String(v) : v);

/** Environment variables: name → value (numbers and booleans taken as their text). */
export function envMap(meta: SettingMeta = {}) {
    return z.record(z.string(), z.preprocess(asText, z.string())).optional().meta(meta);
}

/** Free-form chart values. */
export function chartValues(meta: SettingMeta = {}) {
    return z.record(z.string(), z.unknown()).optional().meta(meta);
}

/** A group of settings: an object whose keys are all known. */
export function group<S extends z.core.$ZodLooseShape>(shape: S, meta?: SettingMeta) {
    const schema = z.strictObject(shape).optional();
    return meta === undefined ? schema : schema.meta(meta);
}

/** The object schema inside optional/pipe wrappers, if there is one. */
export function objectIn(schema: z.ZodType): z.ZodObject | undefined {
    let node: z.ZodType = schema;
    for (;;) {
        if (node instanceof z.ZodOptional || node instanceof z.ZodNullable) {
            node = node.unwrap() as z.ZodType;
        } else if (node instanceof z.ZodPipe) {
            node = node.out as z.ZodType;
        } else {
            return node instanceof z.ZodObject ? node : undefined;
        }
    }
}

/** The schema of a dotted path (`workers.resources`), if it is an object. */
function objectAt(root: z.ZodType, path: PropertyKey[]): z.ZodObject | undefined {
    let node: z.ZodType | undefined = root;
    for (const key of path) {
        const object: z.ZodObject | undefined = node === undefined ? undefined : objectIn(node);
        node = object?.shape[key as string] as z.ZodType | undefined;
    }
    return node === undefined ? undefined : objectIn(node);
}

function dottedPath(path: readonly PropertyKey[]): string {
    return path.map((p, i) => (typeof p === "number" ? `[${p}]` : i === 0 ? String(p) : `.${String(p)}`)).join("");
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
    return path.reduce<unknown>((node, key) => (node !== null && typeof node === "object" ? (node as Record<PropertyKey, unknown>)[key] : undefined), root);
}

function unknownYet(value: unknown): boolean {
    return pulumi.Output.isInstance(value) || value instanceof Promise;
}

/** A copy without the values only known later (outputs, promises): those are left to Kubernetes. */
function knownPart(value: unknown): unknown {
    if (unknownYet(value)) {
        return undefined;
    }
    if (Array.isArray(value)) {
        return value.map(knownPart);
    }
    if (value !== null && typeof value === "object" && Object.getPrototypeOf(value) === Object.prototype) {
        return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, knownPart(v)]));
    }
    return value;
}

export interface IssueOptions {
    /** How a value at this path is shown: `SECRET` for secrets. @default the value */
    describe?: (path: readonly PropertyKey[], value: unknown) => unknown;
    /** What an unknown key is called in messages. @default "argument" */
    noun?: string;
}

/**
 * Every problem `schema` finds in `input`, as issues at argument paths.
 * Values only known later are skipped. The wording is the one every check
 * here uses: `<path> (<value>) must be ...`.
 */
export function schemaIssues(schema: z.ZodType, input: unknown, options: IssueOptions = {}): ArgIssue[] {
    const result = schema.safeParse(knownPart(input));
    if (result.success) {
        return [];
    }
    const describe = options.describe ?? ((_, v) => v);
    return result.error.issues.flatMap((issue): ArgIssue[] => {
        if (unknownYet(valueAt(input, issue.path))) {
            return [];
        }
        const path = dottedPath(issue.path);
        const value = describe(issue.path, valueAt(input, issue.path));
        switch (issue.code) {
            case "unrecognized_keys": {
                const known = Object.keys(objectAt(schema, issue.path)?.shape ?? {}).join(", ");
                return issue.keys.map((key) => ({
                    path: path === "" ? key : `${path}.${key}`,
                    value: SET,
                    rule: `is not a known ${options.noun ?? "argument"} (known here: ${known})`,
                }));
            }
            case "invalid_type": {
                const expected = issue.expected === "array" ? "list" : issue.expected === "record" || issue.expected === "object" ? "object" : issue.expected;
                return [{ path, value, rule: `must be ${/^[aeiou]/.test(expected) ? "an" : "a"} ${expected}` }];
            }
            case "invalid_key":
                // A record key the key schema refused: the key is the value shown.
                return [{ path, value: issue.path[issue.path.length - 1], rule: issue.issues[0]?.message ?? issue.message }];
            case "invalid_value":
                return [{ path, value, rule: `must be one of ${issue.values.map((v) => show(v)).join(", ")}` }];
            default:
                return [{ path, value, rule: issue.message }];
        }
    });
}
