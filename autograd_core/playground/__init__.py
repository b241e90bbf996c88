"""The course's playground on this engine, in the browser: ``autograd-core playground``.

- ``state``: ``Settings`` (the form's choices, checked) and ``Playground`` (data, network,
  training, snapshots): plain Python, usable and testable without a server;
- ``inspector``: one training point's computation on labelled ``Value``s (graph, chain rule,
  backward steps);
- ``datasets``: the 2-D data sets and input features;
- ``server``: the page and its JSON API (Starlette, served by uvicorn on 127.0.0.1; needs the
  ``playground`` extra, so it is not imported here);
- ``static/``: the page itself (HTML, CSS and a hand-written script, nothing from the network).
"""

from .state import Playground, Settings, SettingsError

__all__ = ["Playground", "Settings", "SettingsError"]
