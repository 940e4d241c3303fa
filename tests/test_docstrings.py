"""Each sampler's docstring documents its signature: every parameter once, in order,
with the default the signature gives it."""

import ast
import inspect
import re

import pytest
from _helpers import SAMPLERS


def documented_parameters(cls):
    """``(name, default text)`` of each entry of the rendered Parameters section."""
    doc = inspect.getdoc(cls)
    section = doc.split("\nParameters\n----------\n")[1].split("\nAttributes\n")[0]
    return re.findall(r"^(\w+) : .*default=(.+)$", section, flags=re.MULTILINE)


@pytest.mark.parametrize("cls", SAMPLERS, ids=lambda cls: cls.__name__)
def test_docstring_lists_every_parameter_with_its_default(cls):
    documented = documented_parameters(cls)
    signature = inspect.signature(cls).parameters
    assert [name for name, _ in documented] == list(signature)
    for name, default in documented:
        assert ast.literal_eval(default) == signature[name].default, name
