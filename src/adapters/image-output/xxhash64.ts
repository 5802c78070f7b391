/**
 * Streaming XXH64 (seed 0), the checksum of zstd frames (RFC 8878 §3.1.1: the low 32 bits of
 * XXH64 of the decompressed content). 64-bit words are kept as two 32-bit halves:
 * BigInt arithmetic would allocate per 8 bytes, several times slower than the decoder it checks.
 */

// Each prime as [high, low].
const P1H = 0x9e3779b1;
const P1L = 0x85ebca87;
const P2H = 0xc2b2ae3d;
const P2L = 0x27d4eb4f;
const P3H = 0x165667b1;
const P3L = 0x9e3779f9;
const P4H = 0x85ebca77;
const P4L = 0xc2b2ae63;
const P5H = 0x27d4eb2f;
const P5L = 0x165667c5;

// Results of the helpers below: [high, low]. An Int32Array, because a number kept in a plain
// variable shared between functions is boxed on every write; the arithmetic stays in int32
// (16-bit limbs for the multiply) for the same reason.
const R = new Int32Array(2);

/** (a × b) mod 2^64 */
function mul(ah: number, al: number, bh: number, bl: number): void {
  const a48 = ah >>> 16;
  const a32 = ah & 0xffff;
  const a16 = al >>> 16;
  const a00 = al & 0xffff;
  const b48 = bh >>> 16;
  const b32 = bh & 0xffff;
  const b16 = bl >>> 16;
  const b00 = bl & 0xffff;
  let c00 = a00 * b00;
  let c16 = c00 >>> 16;
  c00 &= 0xffff;
  c16 += a16 * b00;
  let c32 = c16 >>> 16;
  c16 &= 0xffff;
  c16 += a00 * b16;
  c32 += c16 >>> 16;
  c16 &= 0xffff;
  c32 += a32 * b00;
  let c48 = c32 >>> 16;
  c32 &= 0xffff;
  c32 += a16 * b16;
  c48 += c32 >>> 16;
  c32 &= 0xffff;
  c32 += a00 * b32;
  c48 += c32 >>> 16;
  c32 &= 0xffff;
  c48 += a48 * b00 + a32 * b16 + a16 * b32 + a00 * b48;
  R[0] = (c48 << 16) | c32;
  R[1] = (c16 << 16) | c00;
}

function add(ah: number, al: number, bh: number, bl: number): void {
  const low = (al + bl) | 0;
  R[0] = (ah + bh + (low >>> 0 < al >>> 0 ? 1 : 0)) | 0;
  R[1] = low;
}

/** Rotate left by 0 < r < 32. */
function rotl(h: number, l: number, r: number): void {
  R[0] = (h << r) | (l >>> (32 - r));
  R[1] = (l << r) | (h >>> (32 - r));
}

/**
 * acc = rotl(acc + lane × P2, 31) × P1, written out with locals only: the hot loop, and
 * V8 does not inline the helpers above into it.
 */
function round(acch: number, accl: number, laneh: number, lanel: number): void {
  // lane × P2
  const a48 = laneh >>> 16;
  const a32 = laneh & 0xffff;
  const a16 = lanel >>> 16;
  const a00 = lanel & 0xffff;
  let c00 = a00 * 0xeb4f;
  let c16 = c00 >>> 16;
  c00 &= 0xffff;
  c16 += a16 * 0xeb4f;
  let c32 = c16 >>> 16;
  c16 &= 0xffff;
  c16 += a00 * 0x27d4;
  c32 += c16 >>> 16;
  c16 &= 0xffff;
  c32 += a32 * 0xeb4f;
  let c48 = c32 >>> 16;
  c32 &= 0xffff;
  c32 += a16 * 0x27d4;
  c48 += c32 >>> 16;
  c32 &= 0xffff;
  c32 += a00 * 0xae3d;
  c48 += c32 >>> 16;
  c32 &= 0xffff;
  c48 += a48 * 0xeb4f + a32 * 0x27d4 + a16 * 0xae3d + a00 * 0xc2b2;
  // + acc
  let l = (((c16 << 16) | c00) + accl) | 0;
  let h = (((c48 << 16) | c32) + acch + (l >>> 0 < accl >>> 0 ? 1 : 0)) | 0;
  // rotl 31
  const rh = (h << 31) | (l >>> 1);
  l = (l << 31) | (h >>> 1);
  h = rh;
  // × P1
  const d48 = h >>> 16;
  const d32 = h & 0xffff;
  const d16 = l >>> 16;
  const d00 = l & 0xffff;
  c00 = d00 * 0xca87;
  c16 = c00 >>> 16;
  c00 &= 0xffff;
  c16 += d16 * 0xca87;
  c32 = c16 >>> 16;
  c16 &= 0xffff;
  c16 += d00 * 0x85eb;
  c32 += c16 >>> 16;
  c16 &= 0xffff;
  c32 += d32 * 0xca87;
  c48 = c32 >>> 16;
  c32 &= 0xffff;
  c32 += d16 * 0x85eb;
  c48 += c32 >>> 16;
  c32 &= 0xffff;
  c32 += d00 * 0x79b1;
  c48 += c32 >>> 16;
  c32 &= 0xffff;
  c48 += d48 * 0xca87 + d32 * 0x85eb + d16 * 0x79b1 + d00 * 0x9e37;
  R[0] = (c48 << 16) | c32;
  R[1] = (c16 << 16) | c00;
}

function u32(b: Uint8Array, i: number): number {
  return (b[i] as number) | ((b[i + 1] as number) << 8) | ((b[i + 2] as number) << 16) | ((b[i + 3] as number) << 24);
}

export class Xxh64 {
  // The four accumulators (seed 0).
  private v1h = 0;
  private v1l = 0;
  private v2h = P2H;
  private v2l = P2L;
  private v3h = 0;
  private v3l = 0;
  private v4h = 0;
  private v4l = 0;
  private readonly pending = new Uint8Array(32);
  private pendingLength = 0;
  private total = 0;

  constructor() {
    // seed + P1 + P2, seed + P2, seed, seed - P1
    add(P1H, P1L, P2H, P2L);
    this.v1h = R[0] as number;
    this.v1l = R[1] as number;
    // 0 - P1 mod 2^64 is the two's complement of P1.
    add(~P1H, ~P1L, 0, 1);
    this.v4h = R[0] as number;
    this.v4l = R[1] as number;
  }

  update(data: Uint8Array): this {
    this.total += data.length;
    let i = 0;
    if (this.pendingLength > 0) {
      const take = Math.min(32 - this.pendingLength, data.length);
      this.pending.set(data.subarray(0, take), this.pendingLength);
      this.pendingLength += take;
      i = take;
      if (this.pendingLength < 32) return this;
      this.stripes(this.pending, 0, 32);
      this.pendingLength = 0;
    }
    const end = i + Math.floor((data.length - i) / 32) * 32;
    if (end > i) this.stripes(data, i, end);
    if (end < data.length) {
      this.pending.set(data.subarray(end), 0);
      this.pendingLength = data.length - end;
    }
    return this;
  }

  /** The full 64-bit digest. */
  digest(): bigint {
    let hh: number;
    let hl: number;
    if (this.total >= 32) {
      rotl(this.v1h, this.v1l, 1);
      let sh = R[0] as number;
      let sl = R[1] as number;
      for (const [vh, vl, r] of [
        [this.v2h, this.v2l, 7],
        [this.v3h, this.v3l, 12],
        [this.v4h, this.v4l, 18],
      ] as const) {
        rotl(vh, vl, r);
        add(sh, sl, R[0] as number, R[1] as number);
        sh = R[0] as number;
        sl = R[1] as number;
      }
      for (const [vh, vl] of [
        [this.v1h, this.v1l],
        [this.v2h, this.v2l],
        [this.v3h, this.v3l],
        [this.v4h, this.v4l],
      ] as const) {
        round(0, 0, vh, vl);
        sh = (sh ^ (R[0] as number)) >>> 0;
        sl = (sl ^ (R[1] as number)) >>> 0;
        mul(sh, sl, P1H, P1L);
        add(R[0] as number, R[1] as number, P4H, P4L);
        sh = R[0] as number;
        sl = R[1] as number;
      }
      hh = sh;
      hl = sl;
    } else {
      hh = P5H;
      hl = P5L;
    }
    add(hh, hl, Math.floor(this.total / 4294967296) | 0, this.total | 0);
    hh = R[0] as number;
    hl = R[1] as number;

    const tail = this.pending;
    let i = 0;
    for (; i + 8 <= this.pendingLength; i += 8) {
      round(0, 0, u32(tail, i + 4), u32(tail, i));
      hh = (hh ^ (R[0] as number)) >>> 0;
      hl = (hl ^ (R[1] as number)) >>> 0;
      rotl(hh, hl, 27);
      mul(R[0] as number, R[1] as number, P1H, P1L);
      add(R[0] as number, R[1] as number, P4H, P4L);
      hh = R[0] as number;
      hl = R[1] as number;
    }
    if (i + 4 <= this.pendingLength) {
      mul(0, u32(tail, i), P1H, P1L);
      hh = (hh ^ (R[0] as number)) >>> 0;
      hl = (hl ^ (R[1] as number)) >>> 0;
      rotl(hh, hl, 23);
      mul(R[0] as number, R[1] as number, P2H, P2L);
      add(R[0] as number, R[1] as number, P3H, P3L);
      hh = R[0] as number;
      hl = R[1] as number;
      i += 4;
    }
    for (; i < this.pendingLength; i++) {
      mul(0, tail[i] as number, P5H, P5L);
      hh = (hh ^ (R[0] as number)) >>> 0;
      hl = (hl ^ (R[1] as number)) >>> 0;
      rotl(hh, hl, 11);
      mul(R[0] as number, R[1] as number, P1H, P1L);
      hh = R[0] as number;
      hl = R[1] as number;
    }

    // Avalanche.
    hl = (hl ^ (hh >>> 1)) >>> 0; // h ^= h >> 33
    mul(hh, hl, P2H, P2L);
    hh = R[0] as number;
    hl = ((R[1] as number) ^ (((R[1] as number) >>> 29) | ((R[0] as number) << 3))) >>> 0; // h ^= h >> 29
    hh = (hh ^ (hh >>> 29)) >>> 0;
    mul(hh, hl, P3H, P3L);
    hh = R[0] as number;
    hl = ((R[1] as number) ^ (R[0] as number)) >>> 0; // h ^= h >> 32
    return (BigInt(hh >>> 0) << 32n) | BigInt(hl >>> 0);
  }

  /** What a zstd frame stores: the digest's low 32 bits. */
  low32(): number {
    return Number(this.digest() & 0xffffffffn);
  }

  private stripes(b: Uint8Array, start: number, end: number): void {
    let v1h = this.v1h;
    let v1l = this.v1l;
    let v2h = this.v2h;
    let v2l = this.v2l;
    let v3h = this.v3h;
    let v3l = this.v3l;
    let v4h = this.v4h;
    let v4l = this.v4l;
    for (let i = start; i < end; i += 32) {
      round(v1h, v1l, u32(b, i + 4), u32(b, i));
      v1h = R[0] as number;
      v1l = R[1] as number;
      round(v2h, v2l, u32(b, i + 12), u32(b, i + 8));
      v2h = R[0] as number;
      v2l = R[1] as number;
      round(v3h, v3l, u32(b, i + 20), u32(b, i + 16));
      v3h = R[0] as number;
      v3l = R[1] as number;
      round(v4h, v4l, u32(b, i + 28), u32(b, i + 24));
      v4h = R[0] as number;
      v4l = R[1] as number;
    }
    this.v1h = v1h;
    this.v1l = v1l;
    this.v2h = v2h;
    this.v2l = v2l;
    this.v3h = v3h;
    this.v3l = v3l;
    this.v4h = v4h;
    this.v4l = v4l;
  }
}

/** XXH64 of a whole buffer, seed 0. */
export function xxh64(data: Uint8Array): bigint {
  return new Xxh64().update(data).digest();
}
