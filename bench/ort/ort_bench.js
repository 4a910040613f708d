// ort_bench.js - benchmark server for ONNX Runtime (onnxruntime-node), the
// peer of bench/harness.c: the same stdin protocol, driven by bench/run.py.
//
//   node ort_bench.js MODEL.onnx DTYPE:D0,D1,...:FILE ...   (one per graph
//                     input, in graph order; DTYPE f32|f64|i32|i64|u8|i8|bool)
//   node ort_bench.js --baseline    print "mem <KiB>" of an idle Node process
//                                   that has loaded onnxruntime-node, and exit
//
// Commands, one per line, each answered with one line:
//   threads N   (re)create the session with intraOpNumThreads=N, run it
//               once to allocate the output tensors  -> "ok N"
//   run K       K timed runs                          -> "times <ms> ... <ms>"
//   write DIR   run once, write output i to DIR/out<i>.bin (raw) -> "ok"
//   mem         peak resident set size (VmHWM) of this process -> "mem <KiB>"
//   quit
// A failure answers "error <message>" and exits with status 1.
'use strict';

const fs = require('fs');
const path = require('path');
const readline = require('readline');
const ort = require('onnxruntime-node');

const ARRAYS = {
  f32: ['float32', Float32Array], f64: ['float64', Float64Array],
  i32: ['int32', Int32Array], i64: ['int64', BigInt64Array],
  u8: ['uint8', Uint8Array], i8: ['int8', Int8Array], bool: ['bool', Uint8Array],
};

function peakRssKiB() {
  const m = /VmHWM:\s*(\d+)/.exec(fs.readFileSync('/proc/self/status', 'utf8'));
  return m ? Number(m[1]) : -1;
}

function fail(message) {
  process.stdout.write(`error ${message}\n`);
  process.exit(1);
}

function loadInput(spec) {
  const [dtype, dims, file] = spec.split(':');
  if (!ARRAYS[dtype] || file === undefined) fail(`bad input spec '${spec}'`);
  const [type, Array] = ARRAYS[dtype];
  const shape = dims === '' ? [] : dims.split(',').map(Number);
  const bytes = fs.readFileSync(file);
  // Copy into a fresh, aligned ArrayBuffer of exactly the tensor's size.
  const data = new Array(bytes.byteLength / Array.BYTES_PER_ELEMENT);
  new Uint8Array(data.buffer).set(bytes);
  return new ort.Tensor(type, data, shape);
}

async function main(argv) {
  if (argv[0] === '--baseline') {
    process.stdout.write(`mem ${peakRssKiB()}\n`);
    return;
  }
  if (argv.length < 1) fail('usage: node ort_bench.js MODEL.onnx SPEC...');
  const model = argv[0];
  const tensors = argv.slice(1).map(loadInput);
  let session = null;
  let feeds = null;
  let fetches = null;

  // Outputs go to tensors allocated once, as Kiln's do: no per-run
  // allocation or garbage collection on either side.
  async function runOnce() {
    if (!session) fail('no session: send "threads N" first');
    await session.run(feeds, fetches);
  }

  process.stdout.write('ready\n');
  const lines = readline.createInterface({input: process.stdin});
  for await (const raw of lines) {
    const line = raw.trim();
    const [cmd, arg] = [line.split(' ')[0], line.slice(line.indexOf(' ') + 1)];
    if (cmd === 'threads') {
      // One session per thread count; the previous one is released first.
      if (session) await session.release();
      session = await ort.InferenceSession.create(model, {
        intraOpNumThreads: Number(arg), interOpNumThreads: 1,
        executionMode: 'sequential', graphOptimizationLevel: 'all'});
      if (session.inputNames.length !== tensors.length)
        fail(`the model has ${session.inputNames.length} inputs, ` +
             `got ${tensors.length}`);
      feeds = {};
      session.inputNames.forEach((name, i) => { feeds[name] = tensors[i]; });
      const first = await session.run(feeds);
      fetches = {};
      for (const name of session.outputNames) {
        const t = first[name];
        fetches[name] = new ort.Tensor(t.type, new t.data.constructor(t.size), t.dims);
      }
      process.stdout.write(`ok ${Number(arg)}\n`);
    } else if (cmd === 'run') {
      const times = [];
      for (let r = 0; r < Number(arg); ++r) {
        const start = process.hrtime.bigint();
        await runOnce();
        times.push(Number(process.hrtime.bigint() - start) / 1e6);
      }
      process.stdout.write(`times ${times.map((t) => t.toFixed(4)).join(' ')}\n`);
    } else if (cmd === 'write') {
      await runOnce();
      session.outputNames.forEach((name, i) => {
        const data = fetches[name].data;
        fs.writeFileSync(path.join(arg, `out${i}.bin`),
                         Buffer.from(data.buffer, data.byteOffset, data.byteLength));
      });
      process.stdout.write('ok\n');
    } else if (cmd === 'mem') {
      process.stdout.write(`mem ${peakRssKiB()}\n`);
    } else if (cmd === 'quit') {
      break;
    } else if (line !== '') {
      fail(`unknown command '${line}'`);
    }
  }
  process.exit(0);
}

main(process.argv.slice(2)).catch((e) => fail(String(e.message || e).split('\n')[0]));
