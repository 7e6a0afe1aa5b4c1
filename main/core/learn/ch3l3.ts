// Cannistraci-Hebb CH3-L3 link prediction on a sparse layer's bipartite graph
// (Muscoloni et al. 2018; used for regrowth in Cannistraci-Hebb Training,
// Zhang et al., ICLR 2024). Inputs and outputs are nodes, connections links.
// A missing pair (u input, v output) scores
//
//   CH3-L3(u, v) = sum over paths u - z1 - z2 - v of 1 / sqrt((1 + de(z1)) (1 + de(z2)))
//
// where the local community of (u, v) is the set of intermediate nodes of
// all its length-3 paths, and de(z), the external degree, counts z's links
// that go neither to a local-community node nor to the seeds u and v (as in
// the authors' reference code: de = deg - di - a(u,z) - a(v,z)). In a
// bipartite layer z1 is an output linked to u and z2 an input linked to v,
// so de(z1) = deg(z1) - di(z1) - 1 and de(z2) = deg(z2) - di(z2) - 1.
//
// Only pairs reachable by a length-3 path get a (positive) score. Cost is
// one enumeration of those paths plus, per candidate, one pass over the
// links of its community: about O(nnz * avg degree^2).

export interface Ch3l3Scores {
  /** Positions o * nIn + u of the scored (unlinked) pairs. */
  position: Int32Array;
  score: Float64Array;
}

/** Number of length-3 input-output paths the scorer would enumerate. */
export function countL3Paths(nIn: number, nOut: number, rowPtr: Int32Array, col: Int32Array): number {
  const degIn = new Int32Array(nIn);
  for (let k = 0; k < col.length; k++) degIn[col[k]]++;
  let total = 0;
  for (let o = 0; o < nOut; o++) {
    let s = 0;
    for (let k = rowPtr[o]; k < rowPtr[o + 1]; k++) s += degIn[col[k]];
    total += (rowPtr[o + 1] - rowPtr[o]) * s;
  }
  return total;
}

/**
 * CH3-L3 scores of every unlinked (input, output) pair joined by at least one
 * length-3 path, for the layer given in CSR over outputs (output o reads
 * inputs col[rowPtr[o]..rowPtr[o+1])).
 */
export function ch3l3Scores(nIn: number, nOut: number, rowPtr: Int32Array, col: Int32Array): Ch3l3Scores {
  const nnz = col.length;
  // Input -> outputs adjacency (CSC).
  const inPtr = new Int32Array(nIn + 1);
  for (let k = 0; k < nnz; k++) inPtr[col[k] + 1]++;
  for (let i = 0; i < nIn; i++) inPtr[i + 1] += inPtr[i];
  const inAdj = new Int32Array(nnz);
  const fill = inPtr.slice(0, nIn);
  for (let o = 0; o < nOut; o++) {
    for (let k = rowPtr[o]; k < rowPtr[o + 1]; k++) inAdj[fill[col[k]]++] = o;
  }

  const linkedToU = new Int32Array(nOut).fill(-1);
  const pathCount = new Int32Array(nOut);
  const pathOff = new Int32Array(nOut);
  const commOut = new Int32Array(nOut).fill(-1);
  const commIn = new Int32Array(nIn).fill(-1);
  const deOut = new Float64Array(nOut);
  const deIn = new Float64Array(nIn);
  let commStamp = 0;

  const positions: number[] = [];
  const scores: number[] = [];
  let pz1 = new Int32Array(64), pz2 = new Int32Array(64);
  const touched: number[] = [];
  const z1s: number[] = [];
  const z2s: number[] = [];

  for (let u = 0; u < nIn; u++) {
    const ua = inPtr[u], ub = inPtr[u + 1];
    if (ua === ub) continue;
    for (let a = ua; a < ub; a++) linkedToU[inAdj[a]] = u;

    // Pass 1: count paths u - z1 - z2 - v per candidate v.
    touched.length = 0;
    let total = 0;
    for (let a = ua; a < ub; a++) {
      const z1 = inAdj[a];
      for (let b = rowPtr[z1]; b < rowPtr[z1 + 1]; b++) {
        const z2 = col[b];
        if (z2 === u) continue;
        for (let c = inPtr[z2]; c < inPtr[z2 + 1]; c++) {
          const v = inAdj[c];
          if (linkedToU[v] === u) continue;
          if (pathCount[v] === 0) touched.push(v);
          pathCount[v]++;
          total++;
        }
      }
    }
    if (total === 0) continue;
    if (pz1.length < total) {
      pz1 = new Int32Array(total * 2);
      pz2 = new Int32Array(total * 2);
    }
    let off = 0;
    for (const v of touched) {
      pathOff[v] = off;
      off += pathCount[v];
      pathCount[v] = 0; // reused as the fill cursor
    }
    // Pass 2: record the paths grouped by v.
    for (let a = ua; a < ub; a++) {
      const z1 = inAdj[a];
      for (let b = rowPtr[z1]; b < rowPtr[z1 + 1]; b++) {
        const z2 = col[b];
        if (z2 === u) continue;
        for (let c = inPtr[z2]; c < inPtr[z2 + 1]; c++) {
          const v = inAdj[c];
          if (linkedToU[v] === u) continue;
          const at = pathOff[v] + pathCount[v]++;
          pz1[at] = z1;
          pz2[at] = z2;
        }
      }
    }

    for (const v of touched) {
      const start = pathOff[v], end = start + pathCount[v];
      pathCount[v] = 0;
      const stamp = commStamp++;
      z1s.length = 0;
      z2s.length = 0;
      for (let p = start; p < end; p++) {
        if (commOut[pz1[p]] !== stamp) {
          commOut[pz1[p]] = stamp;
          z1s.push(pz1[p]);
        }
        if (commIn[pz2[p]] !== stamp) {
          commIn[pz2[p]] = stamp;
          z2s.push(pz2[p]);
        }
      }
      // External degrees: links leaving the community, seeds excluded.
      for (const z1 of z1s) {
        let di = 0;
        for (let b = rowPtr[z1]; b < rowPtr[z1 + 1]; b++) if (commIn[col[b]] === stamp) di++;
        deOut[z1] = rowPtr[z1 + 1] - rowPtr[z1] - di - 1; // -1: the link to seed u
      }
      for (const z2 of z2s) {
        let di = 0;
        for (let c = inPtr[z2]; c < inPtr[z2 + 1]; c++) if (commOut[inAdj[c]] === stamp) di++;
        deIn[z2] = inPtr[z2 + 1] - inPtr[z2] - di - 1; // -1: the link to seed v
      }
      let s = 0;
      for (let p = start; p < end; p++) s += 1 / Math.sqrt((1 + deOut[pz1[p]]) * (1 + deIn[pz2[p]]));
      positions.push(v * nIn + u);
      scores.push(s);
    }
  }
  return { position: Int32Array.from(positions), score: Float64Array.from(scores) };
}
