import * as net from "net";

/** A parsed CIDR block. */
export interface Cidr {
    family: 4 | 6;
    address: string;
    prefixLength: number;
}

/**
 * Parses `address/prefix` (IPv4 or IPv6) the way the Kubernetes API and AWS
 * do: a real address (Node's own parser, no pattern) and a prefix length
 * within the family's bits. Undefined for anything else.
 */
export function parseCidr(text: string): Cidr | undefined {
    const slash = text.lastIndexOf("/");
    if (slash < 0) {
        return undefined;
    }
    const address = text.slice(0, slash);
    const prefix = text.slice(slash + 1);
    const family = net.isIP(address);
    // A zone (fe80::1%eth0) names an interface of one host: no block.
    if ((family !== 4 && family !== 6) || address.includes("%") || !/^\d{1,3}$/.test(prefix)) {
        return undefined;
    }
    const prefixLength = Number(prefix);
    return prefixLength <= (family === 4 ? 32 : 128) ? { family, address, prefixLength } : undefined;
}
