// Lowering of the declarations whose meaning is more than a name: storage formats (`q8(block = 128)`,
// `bf16(rounding = stochastic)`), the parameter's format, and states with their space or matrix shape.
import { PARAM_FORMATS, type Space, type StateFormat } from '../ir/types.js';
import { error } from '../diag.js';
import type { FormatAst, ParamDecl, StateDecl } from './ast.js';
import { lowerExpr, type LowerCtx } from './lower-expr.js';
import { matrixStateShape } from './lower-matrix.js';
import { KNOWN_FORMATS, didYouMean } from './names.js';
import { FORMATS, type FormatName } from '../formats/index.js';

/** Largest block a kernel can quantize: one workgroup (at most 1,024 invocations of 4 elements). */
export const MAX_BLOCK = 4096;

function lowerFormat(cx: LowerCtx, f: FormatAst | undefined): StateFormat {
  if (!f) return { kind: 'f32' };
  const name = f.name.name;
  if (!KNOWN_FORMATS.includes(name)) {
    cx.diagnostics.push(error('E0207', `unknown state format '${name}'`, f.name.span,
      `${didYouMean(name, KNOWN_FORMATS) ?? ''} the formats are ${KNOWN_FORMATS.join(', ')}`.trim()));
    return { kind: 'f32' };
  }
  const info = FORMATS[name as FormatName];
  const format: StateFormat = { kind: info.name };
  // Parameters: `block` (scaled formats), `rounding` (the 16-bit floats, which can round stochastically).
  const option = info.blockSize ? 'block' : info.stochasticRounding ? 'rounding' : undefined;
  for (const a of f.args) {
    if (a.key.name === 'rank1' && info.rank1) {
      // A flag: 1 turns rank-1 normalization on, 0 keeps blocks (the default).
      if (a.value !== 0 && a.value !== 1) {
        cx.diagnostics.push(error('E0215', `rank1 of '${name}' is a flag, 0 or 1, got ${String(a.value)}`, a.span,
          `write \`: ${name}(rank1 = 1)\` for rank-1 normalization`));
      } else if (a.value === 1) format.rank1 = true;
      continue;
    }
    if (a.key.name !== option) {
      const takes = !option ? 'takes no parameters'
        : option === 'rounding' ? 'takes only `rounding` (`nearest`, the default, or `stochastic`)'
          : info.rank1 ? `takes only \`block\` (elements per scale; default ${info.blockSize}) and \`rank1\` (0 or 1)`
            : `takes only \`block\` (elements per scale; default ${info.blockSize})`;
      const hint = a.key.name === 'rounding'
        ? `only f16 and bf16 round stochastically; write \`: ${name}\`${info.blockSize ? ` or \`: ${name}(block = ${info.blockSize})\`` : ''}`
        : a.key.name === 'rank1' && info.blockSize ? 'rank-1 normalization is defined for q4u only (the 4-bit second moment): write `: q4u(rank1 = 1)`'
          : info.blockSize ? `write \`: ${name}(block = ${info.blockSize})\`` : option ? `write \`: ${name}(rounding = stochastic)\`` : `write \`: ${name}\``;
      cx.diagnostics.push(error('E0208', `format '${name}' ${takes}, not '${a.key.name}'`, a.span, hint));
      continue;
    }
    if (option === 'rounding') {
      if (a.value !== 'nearest' && a.value !== 'stochastic') {
        cx.diagnostics.push(error('E0214', `rounding of '${name}' must be \`nearest\` or \`stochastic\`, found '${String(a.value)}'`, a.span,
          'nearest-even is the default; `stochastic` rounds up with probability equal to the dropped fraction'));
      } else if (a.value === 'stochastic') format.rounding = 'stochastic';
      continue;
    }
    // Each invocation encodes 4 elements, and a block is quantized inside one workgroup.
    if (typeof a.value !== 'number' || !Number.isInteger(a.value) || a.value < 8 || a.value > MAX_BLOCK || (a.value & (a.value - 1)) !== 0) {
      cx.diagnostics.push(error('E0209', `block size of '${name}' must be a power of two from 8 to ${MAX_BLOCK}, got ${a.value}`, a.span,
        `the default is ${info.blockSize}`));
      continue;
    }
    format.block = a.value;
  }
  return format;
}

/** `param p: bf16(rounding = stochastic);`: the parameter is stored unscaled, so only f32, f16 and bf16. */
export function lowerParam(cx: LowerCtx, d: ParamDecl): void {
  const name = d.format.name.name;
  if (KNOWN_FORMATS.includes(name) && !PARAM_FORMATS.includes(name as FormatName)) {
    cx.diagnostics.push(error('E0212', `the parameter cannot be stored as ${name}`, d.format.name.span,
      `parameters are stored as ${PARAM_FORMATS.join(', ')} (a scaled format would need its block's absmax); use e.g. \`param p: bf16;\``));
    return;
  }
  cx.b.paramFormat(lowerFormat(cx, d.format), d.span);
}

/** `state r: row = 0;`: names in the format position that say how many values the state holds. */
const STATE_SPACES: Record<string, Space> = { tensor: 'tensor', row: 'row', col: 'col', step: 'step' };

export function lowerState(cx: LowerCtx, d: StateDecl): void {
  const b = cx.b;
  const name = d.name.name;
  // `matrix(rows, rows)`: an f32 matrix of that shape (`matrix(rows, cols)` is an ordinary state).
  const isMatrix = d.format?.name.name === 'matrix';
  const shape = isMatrix ? matrixStateShape(cx, d.format!.positional ?? [], d.format!.args, d.format!.span) : undefined;
  if (!isMatrix && d.format?.positional) {
    cx.diagnostics.push(error('E0208', `format '${d.format.name.name}' takes no unnamed arguments`, d.format.positional[0]!.span,
      '`matrix(rows, cols)` takes sides; other formats take named parameters, e.g. `q8(block = 128)`'));
  }
  const space = d.format && !d.format.args.length && !d.format.positional ? STATE_SPACES[d.format.name.name] : undefined;
  const format = space || isMatrix ? { kind: 'f32' as const } : lowerFormat(cx, d.format);
  cx.initOf = name;
  let init = lowerExpr(cx, d.init);
  cx.initOf = undefined;
  if (init && b.dtypeOf(init) !== 'f32') {
    cx.diagnostics.push(error('E0308', `the initial value of state '${name}' is a bool`, d.init.span,
      'states hold numbers; write e.g. `cond ? 1 : 0`'));
    init = undefined;
  }
  b.span = d.span;
  // A failed init still declares the state (as 0) so that later uses do not cascade into "unknown name".
  const value = b.state(name, { init: init ?? 0, format, ...(space ? { space } : {}), ...(shape ? { shape } : {}), doc: d.doc, span: d.span });
  cx.env.set(name, { kind: 'state', value, span: d.name.span });
}
