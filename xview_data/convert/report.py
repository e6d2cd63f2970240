"""What a conversion did: counts per split, class and skip reason, as a table
and a plot."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class ConvertReport:
    out_dir: Path
    images: dict[str, int] = field(default_factory=dict)
    objects: dict[str, int] = field(default_factory=dict)
    skipped: Counter = field(default_factory=Counter)
    skip_examples: dict[str, str] = field(default_factory=dict)
    per_class: dict[str, dict[str, int]] = field(default_factory=dict)
    scenes: dict[str, list[str]] = field(default_factory=dict)

    def to_json(self) -> dict:
        return dict(
            out_dir=str(self.out_dir),
            images=self.images,
            objects=self.objects,
            skipped=dict(self.skipped),
            per_class=self.per_class,
            scenes=self.scenes,
        )

    def table(self) -> str:
        splits = list(self.images)
        rows = [
            ['', *splits],
            ['images', *(str(self.images[s]) for s in splits)],
            ['objects kept', *(str(self.objects[s]) for s in splits)],
        ]
        for name, counts in self.per_class.items():
            rows.append(
                [f'  {name}', *(str(counts.get(s, 0)) for s in splits)]
            )
        rows.append(['skipped (reason)', *([''] * len(splits))])
        for reason, count in sorted(self.skipped.items()):
            example = (
                f' (e.g. {self.skip_examples[reason]})'
                if reason in self.skip_examples
                else ''
            )
            rows.append(
                [
                    f'  {reason}{example}',
                    str(count),
                    *([''] * (len(splits) - 1)),
                ]
            )
        widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
        lines = [
            '  '.join(
                c.ljust(w) if i == 0 else c.rjust(w)
                for i, (c, w) in enumerate(zip(r, widths))
            )
            for r in rows
        ]
        rule = '-' * len(lines[0])
        return '\n'.join([rule, lines[0], rule, *lines[1:], rule])

    def plot_class_histogram(self, path: Path) -> None:
        """Objects per class and split as a horizontal bar chart (log scale:
        xView's classes span four orders of magnitude)."""
        import matplotlib

        matplotlib.use('Agg')
        import matplotlib.pyplot as plt
        import numpy as np

        names = list(self.per_class)
        splits = list(self.images)
        fig, ax = plt.subplots(figsize=(7, 0.35 * len(names) + 1.2))
        height = 0.8 / max(len(splits), 1)
        for k, split in enumerate(splits):
            counts = [self.per_class[n].get(split, 0) for n in names]
            ax.barh(
                np.arange(len(names)) + k * height, counts, height, label=split
            )
        ax.set_yticks(
            np.arange(len(names)) + height * (len(splits) - 1) / 2, names
        )
        ax.invert_yaxis()
        ax.set_xscale('log')
        ax.set_xlabel('objects (log scale)')
        ax.set_title('objects per class')
        ax.legend()
        fig.tight_layout()
        fig.savefig(path, dpi=100)
        plt.close(fig)
