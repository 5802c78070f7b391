// The issue-15 table from one `npm run bench`: each row our figure, the peer's or floor's from the
// same run, the ratio and the target. Printed as Markdown, so README's "## Performance" can take it.
import { availableParallelism, loadavg } from 'node:os';

const s = (x) => `${x.toFixed(2)} s`;
const mib = (x) => `${x.toFixed(0)} MiB`;
const ratio = (x) => `${x.toFixed(2)}×`;

/** `results` as bench/run.mjs collects them; rows whose bench did not run are left out. */
export function summaryRows(results) {
  const rows = [];
  const c = results.check;
  if (c) {
    // Cold start on the machine's Node and on the image's (baked compile cache): CPU time is the
    // ratio (a shared machine stretches wall time, not CPU), wall time beside it.
    const coldRow = (t, label) => [
      `\`bin/check\` tag mode, cold, anonymous loopback registry, ${label}`,
      `${t.oursCpuMs.toFixed(0)} ms CPU (${t.oursMedianS.toFixed(3)} s wall)`,
      `bare \`node\` (empty module) ${t.bareNodeCpuMs.toFixed(0)} ms CPU (${t.bareNodeMedianS.toFixed(3)} s wall)`,
      `${ratio(t.cpuRatio)} CPU (${ratio(t.ratio)} wall)`,
      '≤ 1.3×',
    ];
    const cold = [
      [c.coldTag, `Node ${c.coldTag.node}`],
      [c.coldTag24, `image's Node ${c.coldTag24.node}, baked compile cache`],
    ];
    rows.push(...cold.map(([t, label]) => coldRow(t, label)));
    const d = c.semverDelayed;
    rows.push([
      `\`bin/check\` semver, ${d.tags} tags, ${2 * d.delayMsEachWay} ms round trip`,
      s(d.oursMedianS),
      `sequential floor (1 keep-alive connection, 1 HEAD per tag) ${s(d.sequentialFloorMedianS)}`,
      ratio(d.ratio),
      '≤ 0.1×',
    ]);
    for (const [t, label] of cold) {
      rows.push([
        `\`bin/check\` peak RSS, ${label}`,
        mib(t.oursPeakMiB),
        `bare \`node\` ${mib(t.bareNodePeakMiB)}`,
        ratio(t.rssRatio),
        '≤ 1.2×',
      ]);
    }
  }
  const i = results.in;
  if (i?.vsFloors) {
    const v = i.vsFloors;
    rows.push([
      '`bin/in` rootfs peak RSS, realistic image',
      mib(i.realistic.peakRssMiB),
      `bare \`node\` ${mib(v.bareNodeRssMiB)}`,
      ratio(v.realisticRssRatio),
      '≤ 2×',
    ]);
    rows.push([
      '`bin/in` rootfs peak RSS, one 1 GiB layer',
      `${mib(i.big1GiB.peakRssMiB)} (${s(i.big1GiB.oursMedianS)})`,
      `bare \`node\` ${mib(v.bareNodeRssMiB)}`,
      ratio(v.big1GiBRssRatio),
      '≤ 2×',
    ]);
    rows.push([
      '`bin/in` `oci-layout`, realistic image',
      s(v.ociLayoutMedianS),
      `\`skopeo copy docker:// dir:\` ${s(v.skopeoDirMedianS)}`,
      ratio(v.ociLayoutRatio),
      '≤ 0.8×',
    ]);
    rows.push([
      '`bin/in` rootfs, realistic image',
      s(v.rootfsMedianS),
      `\`cat blob \\| gzip -dc \\| tar -x\` per layer ${s(v.pipeFloorMedianS)}`,
      ratio(v.rootfsFloorRatio),
      '≤ 1.0×',
    ]);
    rows.push([
      '`bin/in` rootfs, realistic image, against the peer',
      s(i.realistic.oursMedianS),
      `\`skopeo copy\` + \`umoci raw unpack\` ${s(i.realistic.skopeoUmociMedianS)}`,
      ratio(i.realistic.ratio),
      '—',
    ]);
  }
  const d = i?.delayed;
  if (d) {
    const rtt = `${2 * d.delayMsEachWay} ms round trip`;
    rows.push([
      `\`bin/in\` \`oci-layout\`, realistic image, ${rtt}`,
      s(d.ociLayoutMedianS),
      `\`skopeo copy docker:// dir:\` ${s(d.skopeoDirMedianS)}`,
      ratio(d.ociLayoutRatio),
      '—',
    ]);
    rows.push([
      `\`bin/in\` rootfs, realistic image, ${rtt}`,
      s(d.rootfsMedianS),
      `\`skopeo copy docker:// dir:\` (no unpacking) ${s(d.skopeoDirMedianS)}`,
      ratio(d.rootfsRatio),
      '—',
    ]);
  }
  const o = results.out;
  if (o?.freshPush) {
    rows.push([
      '`bin/out`, realistic image, fresh repository',
      s(o.freshPush.outMedianS),
      `\`skopeo copy oci-archive:\` ${s(o.freshPush.skopeoMedianS)}`,
      ratio(o.freshPush.ratio),
      '—',
    ]);
    rows.push([
      '`bin/out`, every blob already present',
      s(o.allBlobsPresent.outMedianS),
      `\`skopeo copy oci-archive:\` ${s(o.allBlobsPresent.skopeoMedianS)}`,
      ratio(o.allBlobsPresent.ratio),
      '—',
    ]);
  }
  if (o?.delayed) {
    rows.push([
      `\`bin/out\`, realistic image, fresh repository, ${2 * o.delayed.delayMsEachWay} ms round trip`,
      s(o.delayed.outMedianS),
      `\`skopeo copy dir: docker://\` ${s(o.delayed.skopeoMedianS)}`,
      ratio(o.delayed.ratio),
      '—',
    ]);
  }
  return rows;
}

export function summaryTable(results) {
  const rows = summaryRows(results);
  const lines = [
    `load average at the end: ${loadavg()
      .map((x) => x.toFixed(2))
      .join(', ')} (${availableParallelism()} cores)`,
    '',
    '| what | registry-image | peer / floor (same run) | ratio | target |',
    '|---|---|---|---|---|',
    ...rows.map((r) => `| ${r.join(' | ')} |`),
  ];
  return lines.join('\n');
}
