/**
 * The truncated normal distribution that TPE's Parzen estimators are made of: its log density, its log mass on an
 * interval, and draws by inverting its distribution function. A port of what Optuna 3.x uses
 * (`optuna/samplers/_tpe/_truncnorm.py`, itself from SciPy), with erf and erfc from FreeBSD's `s_erf.c` (JavaScript
 * has neither). Bounds `a`, `b` and points are in standard units: `(x - mu) / sigma`.
 */

const ERX = 8.45062911510467529297e-1;
const EFX = 1.28379167095512586316e-1;
// erf on [0, 0.84375]
const PP = [1.28379167095512558561e-1, -3.25042107247001499370e-1, -2.84817495755985104766e-2, -5.77027029648944159157e-3, -2.37630166566501626084e-5];
const QQ = [3.97917223959155352819e-1, 6.50222499887672944485e-2, 5.08130628187576562776e-3, 1.32494738004321644526e-4, -3.96022827877536812320e-6];
// erf on [0.84375, 1.25]
const PA = [-2.36211856075265944077e-3, 4.14856118683748331666e-1, -3.72207876035701323847e-1, 3.18346619901161753674e-1, -1.10894694282396677476e-1, 3.54783043256182359371e-2, -2.16637559486879084300e-3];
const QA = [1.06420880400844228286e-1, 5.40397917702171048937e-1, 7.18286544141962662868e-2, 1.26171219808761642112e-1, 1.36370839120290507362e-2, 1.19844998467991074170e-2];
// erfc on [1.25, 1/0.35]
const RA = [-9.86494403484714822705e-3, -6.93858572707181764372e-1, -1.05586262253232909814e1, -6.23753324503260060396e1, -1.62396669462573470355e2, -1.84605092906711035994e2, -8.12874355063065934246e1, -9.81432934416914548592];
const SA = [1.96512716674392571292e1, 1.37657754143519042600e2, 4.34565877475229228821e2, 6.45387271733267880336e2, 4.29008140027567833386e2, 1.08635005541779435134e2, 6.57024977031928170135, -6.04244152148580987438e-2];
// erfc on [1/0.35, 28]
const RB = [-9.86494292470009928597e-3, -7.99283237680523006574e-1, -1.77579549177547519889e1, -1.60636384855821916062e2, -6.37566443368389627722e2, -1.02509513161107724954e3, -4.83519191608651397019e2];
const SB = [3.03380607434824582924e1, 3.25792512996573918826e2, 1.53672958608443695994e3, 3.19985821950859553908e3, 2.55305040643316442583e3, 4.74528541206955367215e2, -2.24409524465858183362e1];

/** c[0] + s*c[1] + s^2*c[2] + ... */
function poly(c: readonly number[], s: number): number {
  let out = 0;
  for (let i = c.length - 1; i >= 0; i--) out = out * s + (c[i] as number);
  return out;
}

/** 1 + s*c[0] + s^2*c[1] + ... */
function poly1(c: readonly number[], s: number): number {
  return 1 + s * poly(c, s);
}

const scratch = new DataView(new ArrayBuffer(8));
/** x with the low 32 bits of its mantissa cleared (s_erf.c's SET_LOW_WORD(z, 0)): keeps exp(-x*x) exact enough. */
function highWord(x: number): number {
  scratch.setFloat64(0, x);
  scratch.setUint32(4, 0);
  return scratch.getFloat64(0);
}

/** erfc(x) for x >= 1.25: exp(-x^2 - 0.5625 + R/S) / x. */
function erfcTail(x: number): number {
  const s = 1 / (x * x);
  const ratio = x < 1 / 0.35 ? poly(RA, s) / poly1(SA, s) : poly(RB, s) / poly1(SB, s);
  const z = highWord(x);
  return (Math.exp(-z * z - 0.5625) * Math.exp((z - x) * (z + x) + ratio)) / x;
}

/** The error function. */
export function erf(x: number): number {
  if (Number.isNaN(x)) return NaN;
  const a = Math.abs(x);
  if (a < 2 ** -28) return x + EFX * x;
  if (a < 0.84375) {
    const z = x * x;
    return x + (x * poly(PP, z)) / poly1(QQ, z);
  }
  if (a < 1.25) {
    const s = a - 1;
    return Math.sign(x) * (ERX + poly(PA, s) / poly1(QA, s));
  }
  if (a >= 6) return Math.sign(x);
  return Math.sign(x) * (1 - erfcTail(a));
}

/** The complementary error function, 1 - erf(x), accurate where erf(x) is close to 1. */
export function erfc(x: number): number {
  if (Number.isNaN(x)) return NaN;
  const a = Math.abs(x);
  if (a < 0.84375) {
    if (a < 2 ** -56) return 1 - x;
    const z = x * x;
    const y = poly(PP, z) / poly1(QQ, z);
    if (x < 0.25) return 1 - (x + x * y);
    return 0.5 - (x * y + (x - 0.5));
  }
  if (a < 1.25) {
    const ratio = poly(PA, a - 1) / poly1(QA, a - 1);
    return x >= 0 ? 1 - ERX - ratio : 1 + ERX + ratio;
  }
  if (a < 28) {
    if (x < -6) return 2;
    const r = erfcTail(a);
    return x > 0 ? r : 2 - r;
  }
  return x > 0 ? 0 : 2;
}

/** The standard normal distribution function Phi(a). */
export function ndtr(a: number): number {
  const x = a / Math.SQRT2;
  if (x < -Math.SQRT1_2) return 0.5 * erfc(-x);
  if (x < Math.SQRT1_2) return 0.5 + 0.5 * erf(x);
  return 1 - 0.5 * erfc(x);
}

/** log Phi(a), accurate far into the left tail (an asymptotic series below -20). */
export function logNdtr(a: number): number {
  if (a > 6) return -ndtr(-a);
  if (a > -20) return Math.log(ndtr(a));
  const logLeft = -0.5 * a * a - Math.log(-a) - 0.5 * Math.log(2 * Math.PI);
  let lastTotal = 0;
  let rightHandSide = 1;
  let numerator = 1;
  let denominatorFactor = 1;
  const denominatorStep = 1 / (a * a);
  let sign = 1;
  for (let i = 1; Math.abs(lastTotal - rightHandSide) > Number.EPSILON; i++) {
    lastTotal = rightHandSide;
    sign = -sign;
    denominatorFactor *= denominatorStep;
    numerator *= 2 * i - 1;
    rightHandSide += sign * numerator * denominatorFactor;
  }
  return logLeft + Math.log(rightHandSide);
}

/** log(exp(p) + exp(q)). */
function logSum(p: number, q: number): number {
  const max = Math.max(p, q);
  if (max === -Infinity) return -Infinity;
  return max + Math.log(Math.exp(p - max) + Math.exp(q - max));
}

/** log(exp(p) - exp(q)), for p >= q. */
function logDiff(p: number, q: number): number {
  return p + Math.log1p(-Math.exp(q - p));
}

/** log of the standard normal mass on [a, b], computed in the left tail where that is accurate. */
export function logGaussMass(a: number, b: number): number {
  if (b <= 0) return logDiff(logNdtr(b), logNdtr(a));
  if (a > 0) return logDiff(logNdtr(-a), logNdtr(-b));
  return Math.log1p(-ndtr(a) - ndtr(-b));
}

const LOG_SQRT_2PI = 0.5 * Math.log(2 * Math.PI);

/** The log density at x of a normal(mu, sigma) truncated to [low, high] (bounds and x in the same units as mu). */
export function truncatedNormalLogPdf(x: number, low: number, high: number, mu: number, sigma: number): number {
  const z = (x - mu) / sigma;
  const a = (low - mu) / sigma;
  const b = (high - mu) / sigma;
  if (z < a || z > b) return -Infinity;
  // The density of the standard normal at z, over the mass kept, in x's units.
  return -(z * z) / 2 - LOG_SQRT_2PI - logGaussMass(a, b) - Math.log(sigma);
}

/** The x with log Phi(x) = y, by bisection on [-100, 100] as Optuna does. */
function ndtriExp(y: number): number {
  let a = -100;
  let b = 100;
  let m = 0;
  for (let i = 0; i < 100; i++) {
    m = (a + b) / 2;
    if (logNdtr(m) < y) a = m;
    else b = m;
  }
  return m;
}

/** The quantile q (0 <= q <= 1) of the standard normal truncated to [a, b]. */
export function truncatedNormalPpf(q: number, a: number, b: number): number {
  if (a === b) return NaN;
  if (q === 0) return a;
  if (q === 1) return b;
  if (a < 0) return ndtriExp(logSum(logNdtr(a), Math.log(q) + logGaussMass(a, b)));
  return -ndtriExp(logSum(logNdtr(-b), Math.log1p(-q) + logGaussMass(a, b)));
}

/** A draw from normal(mu, sigma) truncated to [low, high], from a uniform draw u in [0, 1). */
export function truncatedNormalDraw(u: number, low: number, high: number, mu: number, sigma: number): number {
  return truncatedNormalPpf(u, (low - mu) / sigma, (high - mu) / sigma) * sigma + mu;
}
