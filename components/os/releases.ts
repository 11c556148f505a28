/**
 * The releases each OS family has, with the haproxy and keepalived versions the release's own
 * repositories ship, and where each figure comes from. Static checks use the oldest release a
 * choice may meet; a config for a family or `auto` is rendered from what the host reports
 * (script/hostFacts.ts). PURE: plain data.
 */

/** A release and what its own repositories ship (upstream versions, x.y.z). */
export interface Release {
    id: string;
    /** The OS family (os/index.ts OS_FAMILIES) whose adapter the release runs with. */
    family: string;
    /** /etc/os-release's ID and the major part of VERSION_ID (Ubuntu: the whole, dots dropped). */
    osReleaseId: string;
    versionId: string;
    haproxy: string;
    keepalived: string;
    /** Where the two versions were read, and how sure the figure is. */
    source: string;
}

const DEBIAN_INDEX = (suite: string) =>
    `Debian ${suite}/main amd64 Packages index (deb.debian.org), read by the lab's mirror build in December 2026`;
const FROM_MEMORY = "not confirmed here: no index of this release is reachable from the lab";

/** Oldest first within a family: the first row of a family is what its static checks use. */
export const RELEASES: readonly Release[] = [
    { id: "centos7", family: "centos7", osReleaseId: "centos", versionId: "7", haproxy: "1.5.18", keepalived: "1.3.5", source: `CentOS 7.9.2009 base repository (haproxy-1.5.18-9.el7, keepalived-1.3.5-19.el7), from memory; ${FROM_MEMORY}` },
    { id: "el8", family: "el8", osReleaseId: "rhel", versionId: "8", haproxy: "1.8.27", keepalived: "2.1.5", source: `RHEL 8 / Rocky / Alma 8 AppStream (haproxy-1.8.27, keepalived-2.1.5), from memory; ${FROM_MEMORY}` },
    { id: "el9", family: "el9", osReleaseId: "rhel", versionId: "9", haproxy: "2.4.22", keepalived: "2.2.8", source: `RHEL 9 / Rocky / Alma 9 AppStream (haproxy-2.4.22, keepalived-2.2.8), from memory; ${FROM_MEMORY}` },
    { id: "al2023", family: "al2023", osReleaseId: "amzn", versionId: "2023", haproxy: "2.4.22", keepalived: "2.2.8", source: `Amazon Linux 2023 repository (haproxy-2.4.22, keepalived-2.2.8), from memory; ${FROM_MEMORY}` },
    { id: "debian11", family: "debian", osReleaseId: "debian", versionId: "11", haproxy: "2.2.9", keepalived: "2.1.5", source: `${DEBIAN_INDEX("bullseye")}: haproxy 2.2.9-2+deb11u6, keepalived 1:2.1.5-0.2+deb11u1` },
    { id: "debian12", family: "debian", osReleaseId: "debian", versionId: "12", haproxy: "2.6.12", keepalived: "2.2.7", source: `${DEBIAN_INDEX("bookworm")}: haproxy 2.6.12-1+deb12u3, keepalived 1:2.2.7-1+b2` },
    { id: "debian13", family: "debian", osReleaseId: "debian", versionId: "13", haproxy: "3.0.11", keepalived: "2.3.3", source: `${DEBIAN_INDEX("trixie")}: haproxy 3.0.11-1+deb13u4, keepalived 1:2.3.3-1` },
    {
        id: "ubuntu2004",
        family: "ubuntu",
        osReleaseId: "ubuntu",
        versionId: "20.04",
        haproxy: "2.0.13",
        keepalived: "2.0.19",
        source: `packages.ubuntu.com focal(-updates) (haproxy 2.0.13, keepalived 2.0.19), from memory; the 2.0 branch is confirmed by wiki.ubuntu.com/HAProxyUpdates; ${FROM_MEMORY}`,
    },
    {
        id: "ubuntu2204",
        family: "ubuntu",
        osReleaseId: "ubuntu",
        versionId: "22.04",
        haproxy: "2.4.30",
        keepalived: "2.2.4",
        source: `packages.ubuntu.com jammy-updates (haproxy 2.4.30, keepalived 2.2.4), from memory; the 2.4 branch is confirmed by wiki.ubuntu.com/HAProxyUpdates; ${FROM_MEMORY}`,
    },
    { id: "ubuntu2404", family: "ubuntu", osReleaseId: "ubuntu", versionId: "24.04", haproxy: "2.8.16", keepalived: "2.2.8", source: `packages.ubuntu.com noble-updates (haproxy 2.8.16, keepalived 2.2.8), from memory; ${FROM_MEMORY}` },
];

export const RELEASE_IDS = RELEASES.map((r) => r.id);

export function releaseById(id: string): Release | undefined {
    return RELEASES.find((r) => r.id === id);
}

/** The releases of a family, oldest first. */
export function releasesOf(family: string): Release[] {
    return RELEASES.filter((r) => r.family === family);
}

/**
 * The release /etc/os-release names (ID, ID_LIKE and VERSION_ID as the host prints them), if the
 * table has it. The RHEL relatives (Rocky, Alma, CentOS Stream, RHEL) map by their major version.
 */
export function releaseOfOsRelease(id: string, idLike: string, versionId: string): Release | undefined {
    const major = versionId.split(".")[0];
    const rhel = [id, ...idLike.split(/\s+/)].some((x) => x === "rhel" || x === "centos");
    if (rhel) return major === "7" ? releaseById("centos7") : releaseById(`el${major}`);
    if (id === "amzn") return RELEASES.find((r) => r.osReleaseId === "amzn" && r.versionId === major);
    if (id === "ubuntu") return RELEASES.find((r) => r.osReleaseId === "ubuntu" && r.versionId === versionId);
    return RELEASES.find((r) => r.osReleaseId === id && r.versionId === major);
}
