/**
 * Kubernetes resource quantities ("500m", "2", "4Gi", "1.5G", "1e3"), parsed
 * exactly so that requests can be compared with limits before anything
 * reaches the API server ("2300m" equals "2.3"; "1Ei" is 2^60).
 */

/** Powers of ten of the decimal suffixes; "E" alone is exa, "E3" an exponent. */
const DECIMAL: Record<string, number> = { n: -9, u: -6, m: -3, "": 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };
/** Powers of two of the binary suffixes. */
const BINARY: Record<string, number> = { Ki: 10, Mi: 20, Gi: 30, Ti: 40, Pi: 50, Ei: 60 };

const QUANTITY = /^([0-9]+(?:\.[0-9]*)?|\.[0-9]+)(n|u|m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei|[eE][+-]?[0-9]+)?$/;

/** A non-negative quantity as the exact fraction numerator / denominator. */
interface Exact {
    numerator: bigint;
    denominator: bigint;
}

function exact(text: string | number): Exact | undefined {
    const written = typeof text === "number" ? numberText(text) : text.trim();
    const match = written === undefined ? null : QUANTITY.exec(written);
    if (!match) {
        return undefined;
    }
    const [whole, fraction = ""] = match[1].split(".");
    let numerator = BigInt(`${whole}${fraction}` || "0");
    let denominator = 10n ** BigInt(fraction.length);
    const suffix = match[2] ?? "";
    const power = suffix in BINARY ? undefined : suffix in DECIMAL ? DECIMAL[suffix] : Number(suffix.slice(1));
    if (power === undefined) {
        numerator *= 2n ** BigInt(BINARY[suffix]);
    } else if (Math.abs(power) > 10_000) {
        return undefined; // beyond anything Kubernetes stores
    } else if (power >= 0) {
        numerator *= 10n ** BigInt(power);
    } else {
        denominator *= 10n ** BigInt(-power);
    }
    // Kubernetes keeps quantities in 64 bits: nothing above 2^63-1 base units.
    if (numerator > MAX_INT64 * denominator) {
        return undefined;
    }
    return { numerator, denominator };
}

const MAX_INT64 = 2n ** 63n - 1n;

/** A number as Kubernetes reads it from YAML: plain digits, or an exponent form. */
function numberText(value: number): string | undefined {
    if (!Number.isFinite(value) || value < 0) {
        return undefined;
    }
    return String(value).replace("e+", "e");
}

/** The quantity's value in base units (cores or bytes), or undefined if it is not a quantity. */
export function parseQuantity(text: string | number): number | undefined {
    const value = exact(text);
    return value === undefined ? undefined : Number(value.numerator) / Number(value.denominator);
}

/** Whether the quantity is exactly zero; undefined if it is not a quantity. */
export function isZeroQuantity(text: string | number): boolean | undefined {
    const value = exact(text);
    return value === undefined ? undefined : value.numerator === 0n;
}

/** -1, 0 or 1 as `a` is below, equal to or above `b`; undefined if either is not a quantity. */
export function compareQuantities(a: string | number, b: string | number): -1 | 0 | 1 | undefined {
    const x = exact(a);
    const y = exact(b);
    if (x === undefined || y === undefined) {
        return undefined;
    }
    const left = x.numerator * y.denominator;
    const right = y.numerator * x.denominator;
    return left < right ? -1 : left > right ? 1 : 0;
}

export const QUANTITY_TEXT = 'a Kubernetes quantity such as "500m", "2", "4Gi"';
