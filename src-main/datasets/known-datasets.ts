/**
 * The image datasets Runboard knows by name: where their official files are, their SHA-256 sums, their class names
 * and licences. `runboard datasets fetch NAME` downloads and checks them; an import of the same files from a folder
 * (Debian's `dataset-fashion-mnist`, a copy on disk) is recognised by the content of its files and named the same way.
 */

export interface KnownFile {
  /** The IDX name the importer looks for. */
  name: string;
  /** Size and SHA-256 of the official `.gz` file. */
  bytes: number;
  sha256: string;
  /** SHA-256 of its decompressed content: what a mirror that compressed the files again still matches. */
  rawSha256: string;
}

export interface KnownDataset {
  name: string;
  title: string;
  description: string;
  /** Where the official files are: `<base><file name>.gz`. */
  baseUrl: string;
  files: KnownFile[];
  classes: string[];
  source: string;
}

export const KNOWN_DATASETS: readonly KnownDataset[] = [
  {
    name: 'mnist',
    title: 'MNIST handwritten digits (28x28)',
    description: '70,000 handwritten digits as 28x28 grey images (60,000 for training, 10,000 for testing), ten classes.',
    baseUrl: 'https://storage.googleapis.com/cvdf-datasets/mnist/',
    files: [
      { name: 'train-images-idx3-ubyte', bytes: 9_912_422, sha256: '440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609', rawSha256: 'ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db' },
      { name: 'train-labels-idx1-ubyte', bytes: 28_881, sha256: '3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c', rawSha256: '65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5' },
      { name: 't10k-images-idx3-ubyte', bytes: 1_648_877, sha256: '8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6', rawSha256: '0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7' },
      { name: 't10k-labels-idx1-ubyte', bytes: 4_542, sha256: 'f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6', rawSha256: 'ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2' },
    ],
    classes: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'],
    source: 'MNIST (LeCun, Cortes and Burges, 1998), from the CVDF mirror that TensorFlow uses. CC BY-SA 3.0.',
  },
  {
    name: 'fashion-mnist',
    title: 'Fashion-MNIST (28x28)',
    description: "70,000 grey 28x28 images of Zalando's articles of clothing (60,000 for training, 10,000 for testing), ten classes.",
    baseUrl: 'http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/',
    files: [
      { name: 'train-images-idx3-ubyte', bytes: 26_421_880, sha256: '3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84', rawSha256: 'c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888' },
      { name: 'train-labels-idx1-ubyte', bytes: 29_515, sha256: 'a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845', rawSha256: 'bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9' },
      { name: 't10k-images-idx3-ubyte', bytes: 4_422_102, sha256: '346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073', rawSha256: '5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b' },
      { name: 't10k-labels-idx1-ubyte', bytes: 5_148, sha256: '67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5', rawSha256: '0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34' },
    ],
    classes: ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'],
    source: 'Fashion-MNIST (Xiao, Rasul and Vollgraf, 2017), Zalando Research. MIT licence.',
  },
];

export function knownDataset(name: string): KnownDataset | undefined {
  return KNOWN_DATASETS.find((d) => d.name === name.trim().toLowerCase());
}

/** The known dataset whose training images have this decompressed SHA-256 (an import of its files from disk). */
export function recogniseTrainingImages(rawSha256: string): KnownDataset | undefined {
  return KNOWN_DATASETS.find((d) => d.files[0]?.rawSha256 === rawSha256);
}
