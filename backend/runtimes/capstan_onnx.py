"""Capstan's MLServer runtime for ONNX models: onnxruntime behind the Open Inference Protocol.

MLServer 1.7 has no ONNX runtime of its own; KServe serves ONNX with Triton, which cannot run
in standalone mode. `storageUri` is a `model.onnx` file or a folder that holds one. Each V2
input feeds the graph input of the same name (or, when the names differ, the one at the same
place), cast to the graph's element type; every graph output comes back as a V2 output.
"""

import numpy as np
import onnxruntime as ort
from mlserver import MLModel
from mlserver.codecs import NumpyCodec
from mlserver.errors import MLServerError
from mlserver.types import InferenceRequest, InferenceResponse
from mlserver.utils import get_model_uri

# ONNX element types as onnxruntime names them, and NumPy's.
DTYPES = {
    "tensor(float)": np.float32,
    "tensor(double)": np.float64,
    "tensor(float16)": np.float16,
    "tensor(int64)": np.int64,
    "tensor(int32)": np.int32,
    "tensor(int16)": np.int16,
    "tensor(int8)": np.int8,
    "tensor(uint8)": np.uint8,
    "tensor(bool)": np.bool_,
}


class OnnxModel(MLModel):
    async def load(self) -> bool:
        uri = await get_model_uri(self._settings, wellknown_filenames=["model.onnx"])
        self._session = ort.InferenceSession(uri, providers=ort.get_available_providers())
        self._inputs = self._session.get_inputs()
        self._outputs = [o.name for o in self._session.get_outputs()]
        return True

    async def predict(self, payload: InferenceRequest) -> InferenceResponse:
        if len(payload.inputs) != len(self._inputs):
            raise MLServerError(
                f"the model takes {len(self._inputs)} input(s) "
                f"({', '.join(i.name for i in self._inputs)}), not {len(payload.inputs)}",
                status_code=400,
            )
        by_name = {i.name: i for i in self._inputs}
        feeds = {}
        for place, given in enumerate(payload.inputs):
            graph_input = by_name.get(given.name, self._inputs[place])
            array = NumpyCodec.decode_input(given)
            dtype = DTYPES.get(graph_input.type)
            feeds[graph_input.name] = array.astype(dtype) if dtype else array
        try:
            results = self._session.run(self._outputs, feeds)
        except Exception as e:  # onnxruntime's own errors: the input does not fit the graph
            raise MLServerError(str(e), status_code=400)
        return InferenceResponse(
            model_name=self.name,
            outputs=[
                NumpyCodec.encode_output(name=name, payload=np.asarray(value))
                for name, value in zip(self._outputs, results)
            ],
        )
