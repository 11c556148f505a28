/** Stack configs the tests share: the original CentOS 7 recipe's topology. */
export function referenceConfig(overrides: Record<string, unknown> = {}): Record<string, unknown> {
    return {
        os: "centos7",
        ssh: { user: "root", privateKeyPath: "/dev/null" },
        webs: [
            { name: "www1", host: "172.20.30.15" },
            { name: "www2", host: "172.20.30.16" },
        ],
        balancers: [
            { name: "hk1", host: "172.20.30.25", priority: 100 },
            { name: "hk2", host: "172.20.30.26", priority: 90 },
        ],
        vip: "172.20.30.69/24",
        interface: "eth0",
        virtualRouterId: 51,
        stats: true,
        ...overrides,
    };
}

/** The reference topology's overrides for an active-active pair: hk1 MASTER of VIP .69, hk2 MASTER of VIP .70. */
export const ACTIVE_ACTIVE = {
    vip: undefined,
    virtualRouterId: undefined,
    balancers: [
        { name: "hk1", host: "172.20.30.25" },
        { name: "hk2", host: "172.20.30.26" },
    ],
    instances: [
        { name: "a", vips: ["172.20.30.69/24"], virtualRouterId: 61, master: "hk1" },
        { name: "b", vips: ["172.20.30.70/24"], virtualRouterId: 62, master: "hk2" },
    ],
};

/** The smallest config that names every required key. */
export const MINIMAL = {
    ssh: { privateKeyPath: "/dev/null" },
    webs: [{ name: "www1", host: "172.20.30.15" }],
    balancers: [
        { name: "hk1", host: "172.20.30.25" },
        { name: "hk2", host: "172.20.30.26" },
    ],
    vip: "172.20.30.69/24",
};
