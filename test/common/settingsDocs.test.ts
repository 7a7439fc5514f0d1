/**
 * The args interfaces (what editors and other languages show, through their
 * TSDoc and components/schema.json) against the settings schemas (what is
 * checked and what the docs tables say): the same keys, and the same
 * defaults, so that neither can drift from the other.
 */
import { describe, it } from "node:test";
import * as assert from "node:assert/strict";
import * as util from "util";
import { z } from "zod";
import { flag, metaOf, objectIn, wholeNumber } from "../../components/common/settings";
import { ARG_INTERFACES, DocumentedProperty, ValueKind, documentedInterfaces } from "../../config/argDocs";

/** The value a `@default` names, when it is a literal (`3`, `"dask"`, `{ type: "ClusterIP" }`, `["t3.xlarge"] (note)`); undefined for prose. */
function literalOf(text: string): { value: unknown } | undefined {
    const candidates = [text, text.replace(/\s+\(.*\)$/s, "")];
    for (const candidate of candidates) {
        if (!/^[[{"0-9]|^(true|false)\b/.test(candidate)) {
            continue;
        }
        try {
            // Our own sources: object literals as TSDoc writes them.
            return { value: new Function(`return (${candidate});`)() };
        } catch {
            // not a literal
        }
    }
    return undefined;
}

function unwrap(schema: z.ZodType): z.ZodType {
    let node = schema;
    while (node instanceof z.ZodOptional) {
        node = node.unwrap() as z.ZodType;
    }
    return node;
}

/** A schema node's default: its own, else (for a group) the defaults of its keys. */
function schemaDefault(schema: z.ZodType): unknown {
    const own = metaOf(schema)?.default;
    if (own !== undefined) {
        return own;
    }
    const object = objectIn(schema);
    if (object === undefined) {
        return undefined;
    }
    const entries = Object.entries(object.shape)
        .map(([key, child]) => [key, schemaDefault(child as z.ZodType)])
        .filter(([, v]) => v !== undefined);
    return entries.length > 0 ? Object.fromEntries(entries) : undefined;
}

/** The kind of value a schema node takes. */
function schemaKind(schema: z.ZodType): ValueKind {
    let node = unwrap(schema);
    while (node instanceof z.ZodPipe) {
        node = unwrap(node.out as z.ZodType);
    }
    if (node instanceof z.ZodNumber) {
        return "number";
    }
    if (node instanceof z.ZodString || node instanceof z.ZodEnum) {
        return "string";
    }
    if (node instanceof z.ZodBoolean) {
        return "boolean";
    }
    return node instanceof z.ZodArray ? "list" : "object";
}

/** Where an interface's properties and a schema disagree: keys, or a literal `@default`. */
function drift(name: string, properties: DocumentedProperty[], schema: z.ZodType): string[] {
    const shape = objectIn(schema)?.shape;
    if (shape === undefined) {
        return [`${name}: the schema is no object`];
    }
    const problems: string[] = [];
    const declared = properties.map((p) => p.name).sort();
    const keys = Object.keys(shape).sort();
    if (JSON.stringify(declared) !== JSON.stringify(keys)) {
        problems.push(`${name}: keys ${declared.join(", ")} but the schema has ${keys.join(", ")}`);
    }
    for (const property of properties.filter((p) => shape[p.name] !== undefined)) {
        const node = shape[property.name] as z.ZodType;
        const expected = schemaDefault(node);
        const literal = property.defaultText === undefined ? undefined : literalOf(property.defaultText);
        if (literal !== undefined) {
            if (!util.isDeepStrictEqual(literal.value, expected)) {
                problems.push(`${name}.${property.name}: @default ${property.defaultText} but the schema says ${JSON.stringify(expected)}`);
            }
        } else if (expected !== undefined && metaOf(node)?.defaultText === undefined && !(unwrap(node) instanceof z.ZodObject)) {
            problems.push(`${name}.${property.name}: the schema's default ${JSON.stringify(expected)} is not in its TSDoc (@default)`);
        }
        if (property.kind !== schemaKind(node)) {
            problems.push(`${name}.${property.name}: the interface takes a ${property.kind}, the schema a ${schemaKind(node)}`);
        }
        // A range the TSDoc names is the schema's range.
        const range = /\((\d+) to (\d+)\)/.exec(property.description);
        if (range !== null && (metaOf(node)?.minimum !== Number(range[1]) || metaOf(node)?.maximum !== Number(range[2]))) {
            problems.push(`${name}.${property.name}: the TSDoc says ${range[0]} but the schema allows ${metaOf(node)?.minimum} to ${metaOf(node)?.maximum}`);
        }
    }
    return problems;
}

describe("args interfaces and settings schemas", () => {
    const declared = documentedInterfaces();

    for (const [name, schema] of ARG_INTERFACES) {
        it(`${name}: the same keys and defaults as its schema`, () => {
            const properties = declared.get(name);
            assert.ok(properties, `interface ${name} not found in components/`);
            assert.deepEqual(drift(name, properties, schema), []);
        });
    }

    it("reports a drifted default, range or kind, an undocumented default and a missing key", () => {
        const schema = z.strictObject({
            maxReplicas: wholeNumber({ min: 1 }, { description: "Most.", default: 3 }),
            minReplicas: wholeNumber({ min: 1 }, { description: "Fewest.", default: 1 }),
            extra: flag({ description: "Extra." }),
        });
        assert.deepEqual(
            drift(
                "Fake",
                [
                    { name: "maxReplicas", description: "Most (1 to 10).", defaultText: "4", kind: "number" },
                    { name: "minReplicas", description: "Fewest.", kind: "string" },
                ],
                schema,
            ),
            [
                "Fake: keys maxReplicas, minReplicas but the schema has extra, maxReplicas, minReplicas",
                "Fake.maxReplicas: @default 4 but the schema says 3",
                "Fake.maxReplicas: the TSDoc says (1 to 10) but the schema allows 1 to 2147483647",
                "Fake.minReplicas: the schema's default 1 is not in its TSDoc (@default)",
                "Fake.minReplicas: the interface takes a string, the schema a number",
            ],
        );
        assert.deepEqual(literalOf('["t3.xlarge"] (4 vCPU, 16 GiB)'), { value: ["t3.xlarge"] });
        assert.equal(literalOf("the whole CPUs of the CPU limit, at least 1"), undefined);
    });
});
