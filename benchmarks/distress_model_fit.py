"""The numerical core of benchmarks/train_distress_model.py: the hashed feature matrix (the same
vector cogs/escalation/detection/learned.py scores) and full-batch logistic regressions. Numpy,
offline only; deterministic (no random numbers, full-batch Adam from zero weights)."""

from __future__ import annotations

import json
import struct
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from cogs.escalation.detection.learned import FEATURES, MAGIC, bucket, invert, tokens, units

# ---------------------------------------------------------------------------- word classes

# The model's word classes (written into the weights file's header, read from there at run time):
# accent-folded words of English and Spanish, from general knowledge of crisis language and cancer
# care, written by the model's author (not from the evaluation corpus). A class lets what is learnt
# of one word carry to the others of its kind ("alprazolam" seen in training carries to
# "lorazepam"), and each pair of classes present in a message is a feature of its own: "first
# person and means and a time" weighs more than each alone, which a bag of words cannot say.
CLASSES: dict[str, str] = {
    "MEANS": """
        pills pill tablets meds medication medications overdose od morphine oxy oxycodone
        oxycontin fentanyl hydromorphone codeine tramadol opioids opioid opiates painkillers
        sleeping zopiclone ambien zolpidem benzos xanax valium diazepam lorazepam alprazolam
        clonazepam insulin warfarin paracetamol tylenol acetaminophen ibuprofen bottle stash
        stockpile rope noose belt gun pistol rifle bullet knife blade razor bridge ledge roof cliff
        train tracks rail carpark garage exhaust hose bleach poison plastic bag drown jump hang
        hanging
        pastillas pastilla medicamentos medicacion pastis morfina fentanilo oxicodona opioides
        calmantes somniferos benzodiacepinas trankimazin orfidal lexatin rivotril insulina frasco
        caja cajas soga cuerda cinturon pistola arma cuchillo navaja cuchilla puente azotea balcon
        ventana tren vias edificio veneno lejia ahorcarme tirarme saltar colgarme""",
    "TIME": """
        tonight tomorrow today friday saturday sunday monday tuesday wednesday thursday weekend
        soon tmrw tonite midnight morning next week date anniversary birthday christmas
        hoy manana noche viernes sabado domingo lunes martes miercoles jueves finde pronto
        medianoche navidad cumpleanos aniversario fecha semana""",
    "FAREWELL": """
        goodbye goodbyes bye farewell letter letters note notes will testament funeral password
        passwords account accounts sorted arranged affairs giving gave away belongings insurance
        policy forgive sorry thank
        adios despedida despedirme despedi carta cartas nota testamento funeral contrasenas
        contrasena cuentas seguro perdon perdonen gracias regale regalando repartir reparti
        pertenencias cosas ordenado papeles""",
    "END": """
        end ending die dying dead death gone disappear exist existing alive suicide suicidal kill
        killing unalive kms kys sleep wake forever over done finish finished enough stop leave
        peace rest
        morir morirme muerte muerto muerta desaparecer existir vivo viva suicidio suicidarme
        suicidar matarme matar acabar terminar dormir despertar despertarme siempre descansar paz
        irme ir basta""",
    "FIRST": "i im ive ill id me my myself mine yo mi mis conmigo",
    "THIRD": """
        he she they his her their hes shes him them friend friends mom mum dad husband wife sister
        brother son daughter aunt uncle patient
        el ella ellos su sus amigo amiga mama papa marido esposo esposa mujer hermana hermano hijo
        hija tia tio paciente""",
    "NEG": """
        not no never dont didnt wont wouldnt cant cannot isnt nunca nada ni tampoco jamas nadie""",
    "PAST": "was were had did used ago back then before once fui era estaba habia tenia hace antes",
    "FUT": "going gonna will ill tomorrow plan planning decided voy vamos ire pienso planeo decidi",
    "INTENT": """
        want wanna wish hope ready decided plan planning going gonna quiero queria ojala deseo
        espero listo lista decidido decidida""",
    "MEDICAL": """
        chemo chemotherapy radiation radiotherapy scan scans oncologist oncology doctor nurse
        hospital hospice palliative treatment infusion surgery tumour tumor cancer biopsy trial
        immunotherapy dose doses
        quimio quimioterapia radioterapia oncologo oncologa medico medica enfermera paliativos
        tratamiento cirugia biopsia ensayo inmunoterapia dosis""",
}


def class_words() -> dict[str, list[str]]:
    """Each class's words, as the weights file's header holds them."""
    return {name: sorted(set(words.split())) for name, words in sorted(CLASSES.items())}


# ---------------------------------------------------------------------------- features


@dataclass
class Matrix:
    """Rows of hashed counts, each row divided by the square root of its total count (the same
    vector learned.py scores), in compressed sparse rows."""

    indptr: np.ndarray
    indices: np.ndarray
    data: np.ndarray
    size: int
    _rows: np.ndarray | None = field(default=None, repr=False)

    @property
    def rows(self) -> int:
        return len(self.indptr) - 1

    def _row_of(self) -> np.ndarray:
        if self._rows is None:
            self._rows = np.repeat(np.arange(self.rows), np.diff(self.indptr))
        return self._rows

    def dot(self, w: np.ndarray) -> np.ndarray:
        """X @ w; w may have several columns."""
        rows = self._row_of()
        if w.ndim == 1:
            return np.bincount(rows, weights=self.data * w[self.indices], minlength=self.rows)
        return np.stack(
            [
                np.bincount(rows, weights=self.data * w[self.indices, k], minlength=self.rows)
                for k in range(w.shape[1])
            ],
            axis=1,
        )

    def tdot(self, g: np.ndarray) -> np.ndarray:
        """X.T @ g."""
        rows = self._row_of()
        if g.ndim == 1:
            return np.bincount(self.indices, weights=self.data * g[rows], minlength=self.size)
        return np.stack(
            [
                np.bincount(self.indices, weights=self.data * g[rows, k], minlength=self.size)
                for k in range(g.shape[1])
            ],
            axis=1,
        )

    def take(self, which: np.ndarray) -> Matrix:
        lengths = np.diff(self.indptr)[which]
        starts = self.indptr[which]
        picked = (
            np.concatenate([np.arange(s, s + n) for s, n in zip(starts, lengths, strict=True)])
            if len(which)
            else np.zeros(0, np.int64)
        )
        return Matrix(
            np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64),
            self.indices[picked],
            self.data[picked],
            self.size,
        )


def featurise(
    texts: Sequence[str], size: int, classes: Mapping[str, Sequence[str]] | None = None
) -> Matrix:
    """`classes`: {class: words}, by default the model's own (CLASSES)."""
    by_word = invert(class_words() if classes is None else classes)
    indptr = [0]
    indices: list[int] = []
    data: list[float] = []
    for text in texts:
        counts: dict[int, int] = defaultdict(int)
        total = 0
        for _, features in units(tokens(text), by_word):
            for f in features:
                counts[bucket(f, size)] += 1
                total += 1
        norm = 1.0 / np.sqrt(total) if total else 0.0
        for slot in sorted(counts):
            indices.append(slot)
            data.append(counts[slot] * norm)
        indptr.append(len(indices))
    return Matrix(
        np.array(indptr, dtype=np.int64),
        np.array(indices, dtype=np.int64),
        np.array(data, dtype=np.float64),
        size,
    )


# ---------------------------------------------------------------------------- fitting


def adam(
    grad: Callable[[np.ndarray], np.ndarray], w: np.ndarray, steps: int, rate: float
) -> np.ndarray:
    """Full-batch Adam from the given start: deterministic."""
    m = np.zeros_like(w)
    v = np.zeros_like(w)
    b1, b2, eps = 0.9, 0.999, 1e-8
    for t in range(1, steps + 1):
        g = grad(w)
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        w = w - rate * (m / (1 - b1**t)) / (np.sqrt(v / (1 - b2**t)) + eps)
    return w


def fit_binary(
    x: Matrix,
    y: np.ndarray,
    l2: float,
    negative_weight: float,
    steps: int,
    weight: np.ndarray | None = None,
) -> tuple[np.ndarray, float]:
    """Weighted logistic regression: each class weighs the same in total, negatives then times
    `negative_weight`; L2 on the weights, not on the bias. `weight`: each row's weight within its
    class (1 for all by default; a row of weight 0.2 counts as a fifth of a message)."""
    pos = y == 1
    if weight is None:
        sw = np.where(pos, 0.5 / max(1, pos.sum()), 0.5 * negative_weight / max(1, (~pos).sum()))
    else:
        total_pos, total_neg = max(1e-12, weight[pos].sum()), max(1e-12, weight[~pos].sum())
        sw = weight * np.where(pos, 0.5 / total_pos, 0.5 * negative_weight / total_neg)
    sw = sw / sw.sum()

    def grad(theta: np.ndarray) -> np.ndarray:
        w, b = theta[:-1], theta[-1]
        z = x.dot(w) + b
        p = 1 / (1 + np.exp(-z))
        r = sw * (p - y)
        return np.concatenate([x.tdot(r) + l2 * w, [r.sum()]])

    theta = adam(grad, np.zeros(x.size + 1), steps, 0.05)
    return theta[:-1], float(theta[-1])


def fit_levels(
    x: Matrix, labels: np.ndarray, classes: int, l2: float, steps: int
) -> tuple[np.ndarray, np.ndarray]:
    """Multinomial logistic regression over the alerting levels (positives only), classes
    balanced."""
    onehot = np.zeros((x.rows, classes))
    onehot[np.arange(x.rows), labels] = 1
    counts = onehot.sum(axis=0)
    sw = 1.0 / np.maximum(counts[labels], 1)
    sw = sw / sw.sum()

    def grad(theta: np.ndarray) -> np.ndarray:
        w, b = theta[:-1], theta[-1]
        z = x.dot(w) + b
        z -= z.max(axis=1, keepdims=True)
        p = np.exp(z)
        p /= p.sum(axis=1, keepdims=True)
        r = sw[:, None] * (p - onehot)
        return np.concatenate([x.tdot(r) + l2 * w, r.sum(axis=0, keepdims=True)])

    theta = adam(grad, np.zeros((x.size + 1, classes)), steps, 0.05)
    return theta[:-1], theta[-1]


def stack(a: Matrix, b: Matrix) -> Matrix:
    """The rows of `a`, then those of `b` (the same size)."""
    return Matrix(
        np.concatenate([a.indptr, b.indptr[1:] + a.indptr[-1]]),
        np.concatenate([a.indices, b.indices]),
        np.concatenate([a.data, b.data]),
        a.size,
    )


def predict(x: Matrix, w: np.ndarray, b: float) -> np.ndarray:
    return 1 / (1 + np.exp(-(x.dot(w) + b)))


# ---------------------------------------------------------------------------- writing


def quantise(w: np.ndarray) -> tuple[bytes, float]:
    top = float(np.abs(w).max()) or 1.0
    scale = top / 32767
    q = np.clip(np.round(w / scale), -32767, 32767).astype("<i2")
    return q.tobytes(), scale


def write(  # the weights file cogs/escalation/detection/learned.py reads
    path: Path,
    sizes: tuple[int, int],
    levels: Sequence[str],
    w: np.ndarray,
    b: float,
    threshold: float,
    agreement: float,
    lw: np.ndarray,
    lb: np.ndarray,
    meta: dict[str, object],
) -> None:
    weights, scale = quantise(w)
    level_bytes, level_scale = quantise(lw)
    columns = [
        np.frombuffer(level_bytes, dtype="<i2").reshape(lw.shape)[:, k].astype("<i2").tobytes()
        for k in range(lw.shape[1])
    ]
    header = {
        "features": FEATURES,
        "classes": class_words(),
        "size": sizes[0],
        "scale": scale,
        "bias": b,
        "threshold": round(threshold, 6),
        "agreement": round(agreement, 6),
        "levels": list(levels),
        "level_size": sizes[1],
        "level_scale": level_scale,
        "level_bias": [float(v) for v in lb],
        "meta": meta,
    }
    raw = json.dumps(header, sort_keys=True).encode()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(MAGIC + struct.pack("<I", len(raw)) + raw + weights + b"".join(columns))
