"""Which files go into the wheel and sdist; everything else is in pyproject.toml.

``resources/`` stays at the top of the checkout (catalogs, CTCAE terms, schemas, icons)
and is shipped inside the package as ``journal/_resources``, where
:mod:`journal.resources` looks first. pyproject.toml alone cannot add a package from
another folder beside the ones it finds, hence this file.
"""

from pathlib import Path

from setuptools import find_packages, setup

# Each folder of resources/ is a data-only package, named so setuptools ships it
# without warning that it "would be ignored".
RESOURCE_PACKAGES = [
    "journal._resources",
    *sorted(
        "journal._resources." + ".".join(d.relative_to("resources").parts)
        for d in Path("resources").rglob("*")
        if d.is_dir() and "__pycache__" not in d.parts
    ),
]

setup(
    packages=[*find_packages(include=["journal", "journal.*"]), *RESOURCE_PACKAGES],
    package_dir={"journal._resources": "resources"},
    package_data={
        "journal": ["**/*.json", "**/*.ini", "**/*.mako", "**/*.svg", "**/*.png", "**/*.desktop"],
        "journal._resources": ["**/*"],
    },
)
