/**
 * `netadapt`: trains the config, then adapts it to the budget with NetAdapt (src/core/netadapt,
 * src/tf/netadapt.ts). Prints one JSON line per iteration (iteration 0: the trained network) and a
 * final JSON line with the adapted network's test accuracy and the uniform baseline's.
 */
import { trainSizeBesideHoldout } from '../core/netadapt';
import { adaptNetwork, disposeNetwork, encodeConfig, latencyResource, modelResource, type MnistData, type NetAdaptStep, type Resource } from '../tf';
import type { NetadaptCommand } from './args';
import { formatDuration, round, type Log } from './format';
import { describeSetup, trainOne } from './run';

/**
 * The resource to budget. Latency: a lookup table timed on the WGSL kernels through Dawn (the
 * `webgpu` package; SwiftShader without a GPU), once per run, before training (it depends on the
 * formats and widths only).
 */
async function resourceFor(cmd: NetadaptCommand, log: Log): Promise<Resource> {
  if (cmd.resource !== 'latency') return modelResource(cmd.resource);
  const { acquireDevice } = await import('./webgpuNode');
  const { buildLatencyTable } = await import('../gpu/latencyTable');
  const gpu = await acquireDevice('netadapt', true);
  if (!gpu.device && cmd.fallbackResource && cmd.fallbackResource !== 'latency') {
    log(`note: no WebGPU here (${gpu.description}), so ${cmd.preset} budgets ${cmd.fallbackResource} instead of latency`);
    return modelResource(cmd.fallbackResource);
  }
  if (!gpu.device) throw new Error(`--resource latency needs WebGPU: ${gpu.description}`);
  const started = performance.now();
  try {
    const table = await buildLatencyTable(gpu.device, cmd.config, { points: cmd.latencyPoints, device: gpu.description });
    const cells = table.layers.reduce((n, l) => n + l.inputs.length * l.outputs.length, 0);
    log(`latency table: ${cells} kernel timings on ${gpu.description} in ${formatDuration(performance.now() - started)}`);
    return latencyResource(table);
  } finally {
    gpu.device.destroy();
  }
}

/** Six significant digits: energy is ~1e5 pJ, latency a few ms. */
const significant = (x: number) => Number(x.toPrecision(6));

export function stepLine(step: NetAdaptStep): string {
  return JSON.stringify({
    iteration: step.iteration,
    layer: step.layer,
    widths: step.widths,
    resource: significant(step.resource),
    resourceRatio: round(step.resourceRatio, 4),
    holdoutAccuracy: round(step.holdoutAccuracy, 4),
    ms: Math.round(step.ms),
  });
}

export async function runNetadapt(cmd: NetadaptCommand, data: MnistData, log: Log): Promise<unknown> {
  const resource = await resourceFor(cmd, log);
  for (const notice of cmd.notices) log(`note: ${notice}`);
  const trainSize = trainSizeBesideHoldout(data.train.count, cmd.config.trainSize, cmd.holdout);
  if (trainSize < cmd.config.trainSize) log(`note: training on ${trainSize} images so that the ${cmd.holdout} holdout images are never trained on`);
  const config = { ...cmd.config, trainSize };
  log(`netadapt ${config.model}: ${resource.name} to ${cmd.budget} of the trained network's; training first, ${describeSetup(config, cmd.backend)}`);
  const { record, network, hysteresisSigns } = await trainOne(config, data, cmd.backend, log);
  try {
    const outcome = await adaptNetwork(network, config, data, resource, {
      budget: cmd.budget,
      iterations: cmd.iterations,
      finetuneBatches: cmd.finetuneBatches,
      holdout: cmd.holdout,
      finalEpochs: cmd.finalEpochs,
      uniformBaseline: cmd.uniform,
      hysteresisSigns,
      onIteration: (step) => log(stepLine(step)),
    });
    const final = {
      final: true,
      status: outcome.status,
      resourceName: resource.name,
      unit: resource.unit,
      widths: outcome.steps[outcome.steps.length - 1].widths,
      config: encodeConfig(outcome.config),
      resource: significant(outcome.resource),
      resourceRatio: round(outcome.resource / outcome.initialResource, 4),
      holdoutAccuracy: outcome.finalHoldoutAccuracy === null ? null : round(outcome.finalHoldoutAccuracy, 4),
      testAccuracy: outcome.testAccuracy === null ? null : round(outcome.testAccuracy, 4),
      initialTestAccuracy: round(record.quantizedAccuracy, 4),
      uniform: outcome.uniform && {
        multiplier: round(outcome.uniform.multiplier, 4),
        widths: outcome.uniform.widths,
        resource: significant(outcome.uniform.resource),
        resourceRatio: round(outcome.uniform.resourceRatio, 4),
        testAccuracy: outcome.uniform.testAccuracy === null ? null : round(outcome.uniform.testAccuracy, 4),
      },
    };
    log(JSON.stringify(final));
    return final;
  } finally {
    disposeNetwork(network);
  }
}
