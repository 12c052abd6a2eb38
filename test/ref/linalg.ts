// Dense float64 linear algebra for the matrix references: row-major matrices as { r, c, a }. Written for
// clarity, not speed (the test matrices are small). The eigensolver is cyclic Jacobi, which is accurate to
// a few ulp of the largest eigenvalue for symmetric matrices and needs no pivoting decisions: what the
// references use to take exact matrix powers (A^(-1/4), (YᵀY)^(-1/2)) that the programs approach iteratively.
export interface Mat { r: number; c: number; a: Float64Array }

export const mat = (r: number, c: number, a: ArrayLike<number> = new Float64Array(r * c)): Mat => ({ r, c, a: Float64Array.from(a) });

export function eye(n: number): Mat {
  const m = mat(n, n);
  for (let i = 0; i < n; i++) m.a[i * n + i] = 1;
  return m;
}

export function mul(x: Mat, y: Mat): Mat {
  if (x.c !== y.r) throw new Error(`mul: ${x.r}x${x.c} by ${y.r}x${y.c}`);
  const out = mat(x.r, y.c);
  for (let i = 0; i < x.r; i++) {
    for (let k = 0; k < x.c; k++) {
      const v = x.a[i * x.c + k]!;
      for (let j = 0; j < y.c; j++) out.a[i * y.c + j] += v * y.a[k * y.c + j]!;
    }
  }
  return out;
}

export function transpose(x: Mat): Mat {
  const out = mat(x.c, x.r);
  for (let i = 0; i < x.r; i++) for (let j = 0; j < x.c; j++) out.a[j * x.r + i] = x.a[i * x.c + j]!;
  return out;
}

/** a x + b y, elementwise (same shapes). */
export function axpby(a: number, x: Mat, b: number, y: Mat): Mat {
  if (x.r !== y.r || x.c !== y.c) throw new Error('axpby: shapes differ');
  return mat(x.r, x.c, x.a.map((v, i) => a * v + b * y.a[i]!));
}

export const scale = (s: number, x: Mat): Mat => mat(x.r, x.c, x.a.map((v) => s * v));
export const frobenius = (x: Mat): number => Math.sqrt(x.a.reduce((s, v) => s + v * v, 0));

/** Eigen-decomposition of a symmetric matrix by cyclic Jacobi rotations: A = V diag(w) Vᵀ. */
export function symEig(A: Mat): { w: Float64Array; V: Mat } {
  const n = A.r;
  const a = Float64Array.from(A.a);
  const V = eye(n);
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) off += a[i * n + j]! ** 2;
    if (off < 1e-300) break;
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = a[p * n + q]!;
        if (apq === 0) continue;
        const theta = (a[q * n + q]! - a[p * n + p]!) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1), s = t * c;
        for (let k = 0; k < n; k++) { // A <- A J (columns p, q)
          const akp = a[k * n + p]!, akq = a[k * n + q]!;
          a[k * n + p] = c * akp - s * akq;
          a[k * n + q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) { // A <- Jᵀ A (rows p, q)
          const apk = a[p * n + k]!, aqk = a[q * n + k]!;
          a[p * n + k] = c * apk - s * aqk;
          a[q * n + k] = s * apk + c * aqk;
        }
        for (let k = 0; k < n; k++) { // V <- V J
          const vkp = V.a[k * n + p]!, vkq = V.a[k * n + q]!;
          V.a[k * n + p] = c * vkp - s * vkq;
          V.a[k * n + q] = s * vkp + c * vkq;
        }
      }
    }
  }
  return { w: Float64Array.from({ length: n }, (_, i) => a[i * n + i]!), V };
}

/** f(A) = V diag(f(w)) Vᵀ for symmetric A. */
export function symFunction(A: Mat, f: (x: number) => number): Mat {
  const { w, V } = symEig(A);
  const n = A.r;
  const VD = mat(n, n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) VD.a[i * n + j] = V.a[i * n + j]! * f(w[j]!);
  return mul(VD, transpose(V));
}

/** The orthonormal polar factor Y (YᵀY)^(-1/2) of a matrix with independent columns. */
export const polar = (Y: Mat): Mat => mul(Y, symFunction(mul(transpose(Y), Y), (x) => 1 / Math.sqrt(x)));

/** x transposed when the tensor it comes from has more rows than columns (torch Muon's orientation). */
export const orient = (x: Mat, rows: number, cols: number): Mat => (rows > cols ? transpose(x) : x);
