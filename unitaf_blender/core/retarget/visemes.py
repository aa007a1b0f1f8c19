"""Viseme sets that characters carry, each as a table: its visemes, the key names they go by, and each
viseme's signature (the mouth features it shows, see `features.FEATURES`).

A signature is what the viseme looks like in ARKit terms, so the solver can choose, per frame, the
non-negative mix of the rig's visemes that best reproduces the ARKit mouth. Shapes shared by several sets
(lips closed, lip on teeth, rounded ...) are defined once below; where a set splits a shape finer (CC3's
AE beside Ah, Preston Blair's U beside WQ) it gets a shape of its own, never a blend of two others, so
every signature stays independent of the rest of its set. Pure data.
"""

from __future__ import annotations

from dataclasses import dataclass

Signature = dict[str, float]

# Mouth shapes in feature terms (features.FEATURES). Values are a clear, fully formed articulation.
CLOSED: Signature = {"seal": 1.0, "jawOpen": 0.25, "press": 0.25, "rollUpper": 0.08, "rollLower": 0.05}
LIP_ON_TEETH: Signature = {"aperture": 0.06, "jawOpen": 0.08, "rollLower": 0.55, "upperUp": 0.3}
TONGUE_TEETH: Signature = {"aperture": 0.15, "jawOpen": 0.15, "tongueOut": 0.45}
TEETH_APART: Signature = {"aperture": 0.2, "jawOpen": 0.2, "stretch": 0.2, "upperUp": 0.1}
BACK: Signature = {"aperture": 0.25, "jawOpen": 0.3, "lowerDown": 0.1, "shrugUpper": 0.15}
AFFRICATE: Signature = {"aperture": 0.15, "jawOpen": 0.15, "funnel": 0.45, "upperUp": 0.2, "pucker": 0.1}
TEETH_CLOSED: Signature = {"aperture": 0.06, "jawOpen": 0.06, "stretch": 0.35, "smile": 0.15}
NASAL: Signature = {"aperture": 0.1, "jawOpen": 0.15, "shrugUpper": 0.2, "shrugLower": 0.1}
R: Signature = {"aperture": 0.11, "jawOpen": 0.15, "pucker": 0.35, "funnel": 0.15, "shrugLower": 0.15}
OPEN: Signature = {"aperture": 0.45, "jawOpen": 0.45, "lowerDown": 0.2}
MID_WIDE: Signature = {"aperture": 0.35, "jawOpen": 0.35, "stretch": 0.3, "smile": 0.15, "lowerDown": 0.1,
                       "dimple": 0.2}
WIDE: Signature = {"aperture": 0.18, "jawOpen": 0.18, "smile": 0.45, "stretch": 0.25, "dimple": 0.3}
ROUND_OPEN: Signature = {"aperture": 0.4, "jawOpen": 0.4, "funnel": 0.6, "pucker": 0.15}
ROUND_TIGHT: Signature = {"aperture": 0.12, "jawOpen": 0.12, "pucker": 0.7, "funnel": 0.2}
# Shapes only the finer sets tell apart.
OPEN_WIDE: Signature = {"aperture": 0.5, "jawOpen": 0.5, "stretch": 0.3, "upperUp": 0.15, "lowerDown": 0.2,
                        "dimple": 0.1}
R_VOWEL: Signature = {"aperture": 0.25, "jawOpen": 0.3, "funnel": 0.3, "pucker": 0.1, "upperUp": 0.1}
ROUND_MID: Signature = {"aperture": 0.22, "jawOpen": 0.22, "pucker": 0.45, "funnel": 0.45, "lowerDown": 0.1}
TONGUE_UP: Signature = {"aperture": 0.3, "jawOpen": 0.3, "tongueOut": 0.12, "stretch": 0.1, "lowerDown": 0.15}


@dataclass(frozen=True)
class VisemeSet:
    name: str                                   # the set's id, the prefix of its sources ('oculus')
    label: str                                  # what the report calls it
    signatures: dict[str, Signature | None]     # viseme -> signature; None = rest (the set's silence)
    names: dict[str, tuple[str, ...]]           # viseme -> the key names it goes by on rigs
    closed: str | None                          # the closed-lips viseme (None: rest is the closed mouth)
    open: tuple[str, ...]                       # the visemes of an open vowel

    def source(self, viseme: str) -> str:
        return f"{self.name}.{viseme}"


_OCULUS = ("sil", "PP", "FF", "TH", "DD", "kk", "CH", "SS", "nn", "RR", "aa", "E", "I", "O", "U")
_VRCHAT = ("sil", "pp", "ff", "th", "dd", "kk", "ch", "ss", "nn", "rr", "aa", "e", "ih", "oh", "ou")

OCULUS = VisemeSet(
    name="oculus", label="Oculus / Ready Player Me visemes",
    signatures={"sil": None, "PP": CLOSED, "FF": LIP_ON_TEETH, "TH": TONGUE_TEETH, "DD": TEETH_APART,
                "kk": BACK, "CH": AFFRICATE, "SS": TEETH_CLOSED, "nn": NASAL, "RR": R, "aa": OPEN,
                "E": MID_WIDE, "I": WIDE, "O": ROUND_OPEN, "U": ROUND_TIGHT},
    names={v: (f"viseme_{v}", f"vrc.v_{vr}", f"v_{vr}") for v, vr in zip(_OCULUS, _VRCHAT)},
    closed="PP", open=("aa", "E", "O"),
)

VRM = VisemeSet(
    name="vrm", label="VRM vowels",
    signatures={"aa": OPEN, "ih": WIDE, "ou": ROUND_TIGHT, "ee": MID_WIDE, "oh": ROUND_OPEN},
    names={"aa": ("aa", "A", "Fcl_MTH_A", "MTH_A"), "ih": ("ih", "I", "Fcl_MTH_I", "MTH_I"),
           "ou": ("ou", "U", "Fcl_MTH_U", "MTH_U"), "ee": ("ee", "E", "Fcl_MTH_E", "MTH_E"),
           "oh": ("oh", "O", "Fcl_MTH_O", "MTH_O")},
    closed=None, open=("aa", "oh"),
)

CC4 = VisemeSet(
    name="cc4", label="Character Creator 4 visemes",
    signatures={"V_Open": OPEN, "V_Explosive": CLOSED, "V_Dental_Lip": LIP_ON_TEETH, "V_Tight_O": ROUND_TIGHT,
                "V_Tight": TEETH_CLOSED, "V_Wide": WIDE, "V_Affricate": AFFRICATE, "V_Lip_Open": TEETH_APART},
    names={v: (v,) for v in ("V_Open", "V_Explosive", "V_Dental_Lip", "V_Tight_O", "V_Tight", "V_Wide",
                             "V_Affricate", "V_Lip_Open")},
    closed="V_Explosive", open=("V_Open",),
)

CC3 = VisemeSet(
    name="cc3", label="Character Creator 3 visemes",
    signatures={"AE": OPEN_WIDE, "Ah": OPEN, "B_M_P": CLOSED, "Ch_J": AFFRICATE, "EE": WIDE, "Er": R_VOWEL,
                "F_V": LIP_ON_TEETH, "Ih": MID_WIDE, "K_G_H_NG": BACK, "Oh": ROUND_OPEN, "R": R,
                "S_Z": TEETH_CLOSED, "T_L_D_N": TEETH_APART, "Th": TONGUE_TEETH, "W_OO": ROUND_TIGHT},
    names={v: (v,) for v in ("AE", "Ah", "B_M_P", "Ch_J", "EE", "Er", "F_V", "Ih", "K_G_H_NG", "Oh", "R",
                             "S_Z", "T_L_D_N", "Th", "W_OO")},
    closed="B_M_P", open=("Ah", "AE"),
)

# Rhubarb Lip Sync's mouth shapes (after Preston Blair / Hanna-Barbera): A = M B P, X = idle.
RHUBARB = VisemeSet(
    name="rhubarb", label="Rhubarb mouth shapes",
    signatures={"X": None, "A": CLOSED, "B": TEETH_CLOSED, "C": MID_WIDE, "D": OPEN, "E": ROUND_OPEN,
                "F": ROUND_TIGHT, "G": LIP_ON_TEETH, "H": TONGUE_UP},
    names={v: (v, f"mouth_{v}", f"Mouth_{v}", f"rhubarb_{v}") for v in "XABCDEFGH"},
    closed="A", open=("C", "D"),
)

PRESTON_BLAIR = VisemeSet(
    name="preston", label="Preston Blair mouth shapes",
    signatures={"rest": None, "MBP": CLOSED, "AI": OPEN, "E": MID_WIDE, "O": ROUND_OPEN, "U": ROUND_MID,
                "WQ": ROUND_TIGHT, "FV": LIP_ON_TEETH, "L": TONGUE_UP, "etc": TEETH_APART},
    names={"rest": ("rest", "Rest"), "MBP": ("MBP", "M_B_P"), "AI": ("AI", "A_I"), "E": ("E",), "O": ("O",),
           "U": ("U",), "WQ": ("WQ", "W_Q"), "FV": ("FV", "F_V"), "L": ("L",), "etc": ("etc", "ETC")},
    closed="MBP", open=("AI", "O"),
)

VISEME_SETS: tuple[VisemeSet, ...] = (OCULUS, VRM, CC4, CC3, RHUBARB, PRESTON_BLAIR)
SET_BY_NAME = {s.name: s for s in VISEME_SETS}


def viseme_of_source(source: str) -> tuple[VisemeSet, str] | None:
    """('oculus.PP') -> (OCULUS, 'PP'); None for a source that is not a viseme."""
    set_name, dot, viseme = source.partition(".")
    vs = SET_BY_NAME.get(set_name)
    if not dot or vs is None or viseme not in vs.signatures:
        return None
    return vs, viseme


VISEME_SOURCES: tuple[str, ...] = tuple(vs.source(v) for vs in VISEME_SETS for v in vs.signatures)
