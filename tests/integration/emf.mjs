// A checker of CloudWatch Embedded Metric Format documents, written from the
// specification ("Specification: Embedded metric format", Amazon CloudWatch
// User Guide): it throws on the first rule a document breaks.
// https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html
//
// - The log event is one JSON object with a member `_aws` (the metadata object).
// - `_aws`: `Timestamp`, a number, milliseconds since the epoch, and
//   `CloudWatchMetrics`, an array of MetricDirective objects (LogGroupName,
//   LogStreamName optional; nothing else).
// - MetricDirective: `Namespace` (string, 1 to 255 characters), `Dimensions`
//   (array of DimensionSets, each an array of at most 30 dimension keys, strings),
//   `Metrics` (array of at most 100 MetricDefinitions). No other members.
// - MetricDefinition: `Name` (string, 1 to 255), optional `Unit` (a CloudWatch
//   unit), optional `StorageResolution` (1 or 60). No other members.
// - Target members: every dimension key names a root member whose value is a
//   string; every metric Name names a root member whose value is a number or an
//   array of at most 100 numbers.

export const UNITS = new Set([
  'Seconds', 'Microseconds', 'Milliseconds', 'Bytes', 'Kilobytes', 'Megabytes', 'Gigabytes', 'Terabytes',
  'Bits', 'Kilobits', 'Megabits', 'Gigabits', 'Terabits', 'Percent', 'Count', 'Bytes/Second',
  'Kilobytes/Second', 'Megabytes/Second', 'Gigabytes/Second', 'Terabytes/Second', 'Bits/Second',
  'Kilobits/Second', 'Megabits/Second', 'Gigabits/Second', 'Terabits/Second', 'Count/Second', 'None',
]);

const isObject = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);

function onlyKeys(obj, allowed, where) {
  for (const k of Object.keys(obj)) {
    if (!allowed.includes(k)) throw new Error(`${where}: unexpected member "${k}"`);
  }
}

function checkString(v, where, max = 255) {
  if (typeof v !== 'string' || v.length < 1 || v.length > max) throw new Error(`${where}: must be a string of 1 to ${max}`);
}

// Checks one log line; returns the parsed document.
export function checkEmfLine(line) {
  let doc;
  try {
    doc = JSON.parse(line);
  } catch (err) {
    throw new Error(`not JSON: ${err.message}: ${line}`);
  }
  if (!isObject(doc)) throw new Error('the root must be a JSON object');
  const aws = doc._aws;
  if (!isObject(aws)) throw new Error('_aws must be an object');
  onlyKeys(aws, ['Timestamp', 'CloudWatchMetrics', 'LogGroupName', 'LogStreamName'], '_aws');
  if (typeof aws.Timestamp !== 'number' || !Number.isInteger(aws.Timestamp) || aws.Timestamp < 0) {
    throw new Error('_aws.Timestamp must be a whole number of milliseconds');
  }
  if (!Array.isArray(aws.CloudWatchMetrics)) throw new Error('_aws.CloudWatchMetrics must be an array');
  aws.CloudWatchMetrics.forEach((d, i) => {
    const where = `CloudWatchMetrics[${i}]`;
    if (!isObject(d)) throw new Error(`${where} must be an object`);
    onlyKeys(d, ['Namespace', 'Dimensions', 'Metrics'], where);
    checkString(d.Namespace, `${where}.Namespace`);
    if (!Array.isArray(d.Dimensions)) throw new Error(`${where}.Dimensions must be an array`);
    d.Dimensions.forEach((set, j) => {
      if (!Array.isArray(set) || set.length > 30) throw new Error(`${where}.Dimensions[${j}]: an array of at most 30 keys`);
      for (const key of set) {
        checkString(key, `${where}.Dimensions[${j}] key`);
        if (typeof doc[key] !== 'string') throw new Error(`dimension ${key}: the root member must be a string`);
      }
    });
    if (!Array.isArray(d.Metrics) || d.Metrics.length > 100) throw new Error(`${where}.Metrics: an array of at most 100`);
    d.Metrics.forEach((m, j) => {
      const at = `${where}.Metrics[${j}]`;
      if (!isObject(m)) throw new Error(`${at} must be an object`);
      onlyKeys(m, ['Name', 'Unit', 'StorageResolution'], at);
      checkString(m.Name, `${at}.Name`);
      if (m.Unit !== undefined && !UNITS.has(m.Unit)) throw new Error(`${at}.Unit: not a CloudWatch unit: ${m.Unit}`);
      if (m.StorageResolution !== undefined && m.StorageResolution !== 1 && m.StorageResolution !== 60) {
        throw new Error(`${at}.StorageResolution must be 1 or 60`);
      }
      const v = doc[m.Name];
      const okNumber = (x) => typeof x === 'number' && Number.isFinite(x);
      if (!(okNumber(v) || (Array.isArray(v) && v.length <= 100 && v.every(okNumber)))) {
        throw new Error(`metric ${m.Name}: the root member must be a number or an array of at most 100 numbers`);
      }
    });
  });
  return doc;
}
