/** Reading one converted case's volumes (for plan, preprocess and validation). */
import { readNifti } from '../../../io/nifti/read.js';
import type { NiftiVolume } from '../../../io/nifti/types.js';
import type { CaseRecord } from './inspect-case.js';

export interface CaseVolumes {
  /** One volume per channel, in modality order. */
  readonly images: NiftiVolume[];
  readonly label?: NiftiVolume;
}

/** Reads every channel (and the label, if any) of a case from loadConvertedDataset. */
export async function readCase(record: CaseRecord): Promise<CaseVolumes> {
  const images = await Promise.all(record.images.map((f) => readNifti(f)));
  return record.label ? { images, label: await readNifti(record.label) } : { images };
}
