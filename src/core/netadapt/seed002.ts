/**
 * Seed 002 as one preset: 1-bit weights scaled by ||W||_1/n with latent-weight hysteresis 0.1,
 * 8-bit feature maps, trained through the quantizers, then NetAdapt to a budget of a direct metric
 * (latency where a kernel timing table exists, else the modelled energy).
 */
import type { Config } from '../config';
import type { ResourceName } from './resources';

export interface NetAdaptPreset {
  id: string;
  name: string;
  config: Pick<Config, 'weights' | 'activations' | 'training'>;
  resource: ResourceName;
  /** Resource the preset falls back to where the preferred one cannot be measured. */
  fallbackResource: ResourceName;
  budget: number;
}

export const SEED002_PRESET: NetAdaptPreset = {
  id: 'seed002',
  name: 'Seed 002: 1-bit weights (L1 scale, hysteresis 0.1), 8-bit activations, NetAdapt',
  config: {
    weights: { kind: 'binary', scale: 'l1', hysteresis: 0.1 },
    activations: { kind: 'relu', bits: 8 },
    training: 'qat',
  },
  resource: 'latency',
  fallbackResource: 'energy',
  budget: 0.5,
};
