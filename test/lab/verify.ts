/** The checks several lab files verify the same way (chai assertions on the lab hosts). */
import { expect } from "chai";
import { fileSnapshot, installedPackages, LabInfo, requestsThroughVip, unitState, vipHolders } from "../../lab/lab";

/** What a host has before the library comes: its packages and the files where the library writes. */
export interface HostState {
    packages: string[];
    files: string;
}

export function hostStates(hosts: string[]): Record<string, HostState> {
    return Object.fromEntries(hosts.map((h) => [h, { packages: installedPackages(h), files: fileSnapshot(h) }]));
}

/** `count` requests through the VIP all answered, by web1 and web2 in turn (round robin). */
export function expectRoundRobin(info: LabInfo, count = 10): void {
    const answers = requestsThroughVip(info, count);
    expect(answers).to.have.length(count);
    expect(new Set(answers)).to.deep.equal(new Set(["web1", "web2"]));
    for (let i = 1; i < answers.length; i++) expect(answers[i], `request ${i + 1}`).to.not.equal(answers[i - 1]);
}

/** haproxy and keepalived active and enabled on both balancers. */
export function expectBalancersRunning(): void {
    for (const h of ["lb1", "lb2"]) {
        expect(unitState(h, "haproxy")).to.deep.equal({ active: "active", enabled: "enabled" });
        expect(unitState(h, "keepalived")).to.deep.equal({ active: "active", enabled: "enabled" });
    }
}

/** After `pulumi destroy` on hosts that started bare: each host as it was before, every service stopped, no VIP. */
export function expectAsBefore(info: LabInfo, before: Record<string, HostState>): void {
    for (const [h, prior] of Object.entries(before)) {
        expect(installedPackages(h), `packages on ${h}`).to.deep.equal(prior.packages);
        for (const unit of ["haproxy", "keepalived", "nginx"]) expect(unitState(h, unit).active, `${h} ${unit}`).to.equal("inactive");
        expect(fileSnapshot(h), `files on ${h}`).to.equal(prior.files);
    }
    expect(vipHolders(info)).to.deep.equal([]);
}
