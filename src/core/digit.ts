/**
 * A drawing made into an MNIST test image, the way MNIST itself was made (LeCun et al.): the ink's
 * bounding box is scaled, keeping its aspect ratio, so that its longer side is 20 px, with grey
 * levels from anti-aliasing, and the result is placed in a 28x28 frame with its centre of mass at
 * the centre. A network trained on MNIST has only seen digits prepared this way: a raw drawing
 * shrunk to 28x28 (off-centre, thin, or too small) is read far worse.
 *
 * Pure: no TF.js, no DOM, so the page can show each step without asking the worker.
 */
import { IMAGE_SIZE } from './models';

/** MNIST's size-normalisation box: the longer side of the ink becomes this many pixels. */
export const DIGIT_BOX = 20;

/** A grayscale image, 0 = background, row-major. */
export interface GrayImage {
  pixels: Uint8Array;
  width: number;
  height: number;
}

function checkSize(img: ArrayLike<number>, width: number, height: number) {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 0 || height < 0) {
    throw new RangeError(`Image size ${width}x${height} is not a whole number of pixels.`);
  }
  if (img.length < width * height) throw new RangeError(`Image of ${img.length} values is smaller than ${width}x${height}.`);
}

/**
 * Centre of mass of the grey levels, in pixel units where pixel (x, y) is the unit square
 * [x, x+1) x [y, y+1): its centre is (x + 0.5, y + 0.5), so a 28x28 image's centre is (14, 14) and a
 * canvas scaled by k draws the point at (k x, k y). The image centre when there is no ink.
 */
export function centreOfMass(img: ArrayLike<number>, width: number, height: number): { x: number; y: number } {
  checkSize(img, width, height);
  let mass = 0;
  let sx = 0;
  let sy = 0;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const v = img[y * width + x];
      if (v <= 0) continue;
      mass += v;
      sx += v * (x + 0.5);
      sy += v * (y + 0.5);
    }
  }
  return mass > 0 ? { x: sx / mass, y: sy / mass } : { x: width / 2, y: height / 2 };
}

/** The smallest rectangle holding every pixel > 0; null when there is none. */
export function inkBounds(gray: ArrayLike<number>, width: number, height: number): { x: number; y: number; width: number; height: number } | null {
  checkSize(gray, width, height);
  let x0 = width;
  let y0 = height;
  let x1 = -1;
  let y1 = -1;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (gray[y * width + x] > 0) {
        if (x < x0) x0 = x;
        if (x > x1) x1 = x;
        if (y < y0) y0 = y;
        if (y > y1) y1 = y;
      }
    }
  }
  return x1 < 0 ? null : { x: x0, y: y0, width: x1 - x0 + 1, height: y1 - y0 + 1 };
}

/**
 * Weights of a box filter along one axis: target pixel t covers source span [t/scale, (t+1)/scale),
 * and each source pixel counts by its overlap with that span divided by the span's whole length.
 * Target pixels that run past the source edge are therefore lighter: the area beyond is background.
 */
function boxWeights(sourceSize: number, targetSize: number, scale: number): { first: number; weights: number[] }[] {
  const span = 1 / scale;
  const out: { first: number; weights: number[] }[] = [];
  for (let t = 0; t < targetSize; t++) {
    const a = t * span;
    const b = Math.min(sourceSize, (t + 1) * span);
    const first = Math.floor(a);
    const weights: number[] = [];
    for (let s = first; s < b; s++) weights.push((Math.min(b, s + 1) - Math.max(a, s)) / span);
    out.push({ first, weights });
  }
  return out;
}

/**
 * Step 1 of the preprocessing: the ink's bounding box scaled so its longer side is DIGIT_BOX px,
 * the shorter in proportion (a 10x80 bar becomes 2.5x20, stored as 3x20 with a half-grey column).
 * Area averaging (not nearest neighbour) gives the grey edges MNIST's digits have. Its left and top
 * edges lie on pixel boundaries; centring shifts it by whole pixels afterwards. Null without ink.
 */
export function scaleInkToBox(gray: ArrayLike<number>, width: number, height: number): GrayImage | null {
  const box = inkBounds(gray, width, height);
  if (!box) return null;
  const longer = Math.max(box.width, box.height);
  const scale = DIGIT_BOX / longer;
  // The longer side is exactly DIGIT_BOX; a tiny epsilon keeps float error from adding an empty column.
  const outW = box.width === longer ? DIGIT_BOX : Math.ceil(box.width * scale - 1e-9);
  const outH = box.height === longer ? DIGIT_BOX : Math.ceil(box.height * scale - 1e-9);
  const wx = boxWeights(box.width, outW, scale);
  const wy = boxWeights(box.height, outH, scale);
  // Separable: rows first (box.height x outW), then columns.
  const rows = new Float64Array(box.height * outW);
  for (let y = 0; y < box.height; y++) {
    const src = (box.y + y) * width + box.x;
    for (let t = 0; t < outW; t++) {
      const { first, weights } = wx[t];
      let v = 0;
      for (let k = 0; k < weights.length; k++) v += weights[k] * gray[src + first + k];
      rows[y * outW + t] = v;
    }
  }
  const pixels = new Uint8Array(outW * outH);
  for (let t = 0; t < outH; t++) {
    const { first, weights } = wy[t];
    for (let x = 0; x < outW; x++) {
      let v = 0;
      for (let k = 0; k < weights.length; k++) v += weights[k] * rows[(first + k) * outW + x];
      pixels[t * outW + x] = Math.max(0, Math.min(255, Math.round(v)));
    }
  }
  return { pixels, width: outW, height: outH };
}

/**
 * Step 2: places an image in the 28x28 frame, shifted by whole pixels so its centre of mass lands
 * on the frame's centre (14, 14) to within half a pixel; whatever falls outside the frame is lost.
 */
export function centreInFrame(img: GrayImage): Uint8Array {
  const out = new Uint8Array(IMAGE_SIZE * IMAGE_SIZE);
  const com = centreOfMass(img.pixels, img.width, img.height);
  // Whole-pixel shifts keep the grey levels as they are (no second resampling).
  const dx = Math.round(IMAGE_SIZE / 2 - com.x);
  const dy = Math.round(IMAGE_SIZE / 2 - com.y);
  for (let y = 0; y < img.height; y++) {
    const ty = y + dy;
    if (ty < 0 || ty >= IMAGE_SIZE) continue;
    for (let x = 0; x < img.width; x++) {
      const tx = x + dx;
      if (tx < 0 || tx >= IMAGE_SIZE) continue;
      out[ty * IMAGE_SIZE + tx] = img.pixels[y * img.width + x];
    }
  }
  return out;
}

/**
 * A drawing (0 = background, 255 = ink; any size, e.g. a 280x280 canvas's alpha channel) as a
 * 28x28 MNIST image: 784 bytes, row-major, 0..255, ready for the network like a test image.
 * All zeros when nothing is drawn.
 */
export function preprocessDrawing(gray: ArrayLike<number>, width: number, height: number): Uint8Array {
  const scaled = scaleInkToBox(gray, width, height);
  return scaled ? centreInFrame(scaled) : new Uint8Array(IMAGE_SIZE * IMAGE_SIZE);
}
