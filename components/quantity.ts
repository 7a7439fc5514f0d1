/**
 * Kubernetes resource quantities ("500m", "2", "4Gi", "1.5G"), parsed so that
 * requests can be compared with limits before anything reaches the API server.
 */
const SUFFIXES: Record<string, number> = {
    "": 1,
    m: 1e-3,
    k: 1e3,
    M: 1e6,
    G: 1e9,
    T: 1e12,
    P: 1e15,
    E: 1e18,
    Ki: 2 ** 10,
    Mi: 2 ** 20,
    Gi: 2 ** 30,
    Ti: 2 ** 40,
    Pi: 2 ** 50,
    Ei: 2 ** 60,
};

const QUANTITY = /^([0-9]+(?:\.[0-9]*)?|\.[0-9]+)(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei|[eE][+-]?[0-9]+)?$/;

/** The quantity's value in base units (cores or bytes), or undefined if it is not a quantity. */
export function parseQuantity(text: string | number): number | undefined {
    if (typeof text === "number") {
        return Number.isFinite(text) && text >= 0 ? text : undefined;
    }
    const match = QUANTITY.exec(text.trim());
    if (!match) {
        return undefined;
    }
    const base = Number(match[1]);
    const suffix = match[2] ?? "";
    if (/^[eE]/.test(suffix)) {
        return base * 10 ** Number(suffix.slice(1));
    }
    return base * SUFFIXES[suffix];
}

export const QUANTITY_TEXT = "a Kubernetes quantity such as \"500m\", \"2\", \"4Gi\"";
