// A strict parser of the Prometheus text exposition format 0.0.4, for the
// metrics tests: it throws on anything the format does not allow (a sample
// before its TYPE, a family split in two, a duplicate series, a bad name,
// label or value, a missing final newline) and checks histograms (buckets in
// increasing `le`, cumulative, ending in +Inf equal to _count).
// https://prometheus.io/docs/instrumenting/exposition_formats/
const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const TYPES = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped']);
const FLOAT = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

function parseValue(text, where) {
  if (text === '+Inf' || text === 'Inf') return Infinity;
  if (text === '-Inf') return -Infinity;
  if (text === 'NaN') return NaN;
  if (!FLOAT.test(text)) throw new Error(`${where}: bad value "${text}"`);
  return Number(text);
}

// {name: value} from the text between the braces, escapes \\ \" \n only.
function parseLabels(text, where) {
  const labels = {};
  let i = 0;
  while (i < text.length) {
    const eq = text.indexOf('=', i);
    if (eq < 0) throw new Error(`${where}: label without "="`);
    const name = text.slice(i, eq);
    if (!LABEL_NAME.test(name) || name.startsWith('__')) throw new Error(`${where}: bad label name "${name}"`);
    if (text[eq + 1] !== '"') throw new Error(`${where}: label value not quoted`);
    let value = '';
    let j = eq + 2;
    for (;;) {
      if (j >= text.length) throw new Error(`${where}: unterminated label value`);
      const c = text[j];
      if (c === '"') break;
      if (c === '\\') {
        const e = text[j + 1];
        if (e === '\\') value += '\\';
        else if (e === '"') value += '"';
        else if (e === 'n') value += '\n';
        else throw new Error(`${where}: bad escape \\${e}`);
        j += 2;
      } else {
        value += c;
        j += 1;
      }
    }
    if (name in labels) throw new Error(`${where}: label ${name} twice`);
    labels[name] = value;
    j += 1;
    if (j < text.length) {
      if (text[j] !== ',') throw new Error(`${where}: expected "," between labels`);
      j += 1;
    }
    i = j;
  }
  return labels;
}

// The family a sample name belongs to: histogram samples carry suffixes.
function familyOf(families, name) {
  if (families.has(name)) return families.get(name);
  for (const suffix of ['_bucket', '_sum', '_count']) {
    if (name.endsWith(suffix)) {
      const f = families.get(name.slice(0, -suffix.length));
      if (f && (f.type === 'histogram' || (f.type === 'summary' && suffix !== '_bucket'))) return f;
    }
  }
  return undefined;
}

function checkHistogram(f) {
  const series = new Map(); // labels without le -> {buckets: [[le, v]], sum, count}
  for (const s of f.samples) {
    const { le, ...rest } = s.labels;
    const key = JSON.stringify(Object.entries(rest).sort());
    if (!series.has(key)) series.set(key, { labels: rest, buckets: [], sum: undefined, count: undefined });
    const h = series.get(key);
    if (s.name === `${f.name}_bucket`) {
      if (le === undefined) throw new Error(`${f.name}: bucket without le`);
      h.buckets.push([parseValue(le, `${f.name} le`), s.value]);
    } else if (s.name === `${f.name}_sum`) h.sum = s.value;
    else if (s.name === `${f.name}_count`) h.count = s.value;
    else throw new Error(`${f.name}: unexpected sample ${s.name}`);
  }
  for (const h of series.values()) {
    const where = `${f.name}${JSON.stringify(h.labels)}`;
    if (h.sum === undefined || h.count === undefined) throw new Error(`${where}: _sum or _count missing`);
    if (h.buckets.length === 0 || h.buckets.at(-1)[0] !== Infinity) throw new Error(`${where}: no +Inf bucket last`);
    for (let i = 1; i < h.buckets.length; i++) {
      if (!(h.buckets[i][0] > h.buckets[i - 1][0])) throw new Error(`${where}: le not increasing`);
      if (h.buckets[i][1] < h.buckets[i - 1][1]) throw new Error(`${where}: buckets not cumulative`);
    }
    if (h.buckets.at(-1)[1] !== h.count) throw new Error(`${where}: +Inf bucket ${h.buckets.at(-1)[1]} != _count ${h.count}`);
    if (h.sum < 0) throw new Error(`${where}: negative _sum`);
    h.le = h.buckets;
  }
  f.histograms = [...series.values()];
}

// Returns Map name -> {name, type, help, samples: [{name, labels, value}], histograms?}.
export function parsePrometheus(text) {
  if (!text.endsWith('\n')) throw new Error('the exposition must end with a newline');
  const families = new Map();
  const seen = new Set();
  let current = null;
  const lines = text.slice(0, -1).split('\n');
  lines.forEach((line, n) => {
    const where = `line ${n + 1}`;
    if (line === '') throw new Error(`${where}: empty line`);
    if (line.startsWith('#')) {
      const m = /^# (HELP|TYPE) (\S+) (.*)$/.exec(line);
      if (!m) {
        if (/^# (HELP|TYPE)\b/.test(line)) throw new Error(`${where}: malformed ${line}`);
        return; // a plain comment
      }
      const [, kind, name, rest] = m;
      if (!METRIC_NAME.test(name)) throw new Error(`${where}: bad metric name ${name}`);
      let f = families.get(name);
      if (f && f !== current) throw new Error(`${where}: family ${name} split or repeated`);
      if (!f) {
        f = { name, type: undefined, help: undefined, samples: [] };
        families.set(name, f);
      }
      if (kind === 'TYPE') {
        if (f.type !== undefined) throw new Error(`${where}: second TYPE for ${name}`);
        if (f.samples.length > 0) throw new Error(`${where}: TYPE after samples of ${name}`);
        if (!TYPES.has(rest)) throw new Error(`${where}: unknown type ${rest}`);
        f.type = rest;
      } else {
        if (f.help !== undefined) throw new Error(`${where}: second HELP for ${name}`);
        f.help = rest;
      }
      current = f;
      return;
    }
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)(?: (-?\d+))?$/.exec(line);
    if (!m) throw new Error(`${where}: malformed sample "${line}"`);
    const [, name, labelText, valueText] = m;
    const labels = labelText ? parseLabels(labelText, where) : {};
    const value = parseValue(valueText, where);
    const f = familyOf(families, name);
    if (!f || f.type === undefined) throw new Error(`${where}: sample ${name} without a TYPE before it`);
    if (f !== current) throw new Error(`${where}: sample ${name} outside its family's block`);
    const key = `${name}${JSON.stringify(Object.entries(labels).sort())}`;
    if (seen.has(key)) throw new Error(`${where}: duplicate series ${key}`);
    seen.add(key);
    if ((f.type === 'counter' || name.endsWith('_count') || name.endsWith('_bucket')) && !(value >= 0)) {
      throw new Error(`${where}: negative or NaN counter ${name}`);
    }
    f.samples.push({ name, labels, value });
  });
  for (const f of families.values()) {
    if (f.type === 'histogram') checkHistogram(f);
  }
  return families;
}

// The value of one series, or undefined.
export function sampleValue(families, family, name, labels = {}) {
  const f = families.get(family);
  const want = JSON.stringify(Object.entries(labels).sort());
  return f?.samples.find((s) => s.name === name && JSON.stringify(Object.entries(s.labels).sort()) === want)?.value;
}
