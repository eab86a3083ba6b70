"""The demo street: seeded, made-up ledgers kept the way community offices keep them, then loaded.

``python -m etl demo`` writes the ledgers into ``data/demo/`` (a mix of .xlsx and .csv, some GB18030,
some with title rows, synonyms and date forms of every kind, and a few bad rows) and builds the
warehouse by loading that folder through the same loader a user runs. Everything is drawn from one
seeded generator, so the same seed gives the same files and the same warehouse.

The figures of the calibration table in ``../shared/METRICS.md`` come out exactly, whatever the seed:
they are planted (``_plant_*`` and the blocks marked "planted below"), the random background is drawn
around them without touching them, and the bad rows sit in communities and years no figure counts.
Where communities and grids lie (``places.layout``) is the seam for boundary polygons.

One module per topic, all drawing from the one seeded source of ``world.World``: ``places`` (communities,
grids and where they lie), ``tasks`` (tasks and claims), ``mediation``, ``employment`` (job postings,
seekers, events, trainings), ``campaigns`` (campaigns and points) and ``boundaries`` (the polygons);
``writer`` turns rows into cells and files, ``offices`` says which office keeps which ledger in which
form, and ``build`` runs the topics in their fixed order (the order of draws, hence the files).
"""

from etl.demo.boundaries import boundary_collections
from etl.demo.build import Generator, build_demo, generate_demo

__all__ = ["Generator", "boundary_collections", "build_demo", "generate_demo"]
