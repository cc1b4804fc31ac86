"""A worst-case certificate as a Coq file that replays its check by computation on rationals.

The file states one lemma, ``certificate_holds : certificate_checks = true``, proved by ``vm_compute`` and
``reflexivity``: Coq itself evaluates, on its exact rationals (QArith, each sum normalized by ``Qred``), that
every multiplier and every d_r is >= 0 (``Qle_bool``), that the multipliers cancel the function values
(sum_k lambda_k a_k = a), that the stated residual is sum_k lambda_k H_k - H (``Qeq_bool``, entry by entry,
accumulated from the sparse forms in Coq, not by the generator), that it equals sum_r d_r l_r l_r^T (the LDL^T
reconstruction), that the bound is c - sum_k lambda_k c_k, that the upper bound is factor * bound and, for a
proved claim, that it is at most the claimed value. A changed number makes the boolean false, and coqc fails.

What Coq does not check: that the forms are the class's interpolation inequalities and the method's iterates
(``proofs/check_certificate.py`` rebuilds those), and the weak-duality step from the check to the bound
(docs/certificates.md). The generator is a pure function of the certificate document, so the committed files
in ``proofs/coq`` are regenerated and compared by the tests.
"""

from __future__ import annotations

from fractions import Fraction

LINE = 100  # the generated lists wrap at this width


def _q(text: str) -> str:
    value = Fraction(text)
    return f"(q ({value.numerator}) {value.denominator})"


def _wrapped(items: list[str], indent: str = "  ") -> str:
    """A Coq list literal, wrapped."""
    if not items:
        return "[]"
    lines, line = [], "["
    for k, item in enumerate(items):
        piece = item + ("; " if k < len(items) - 1 else "]")
        if len(line) + len(piece) > LINE and line.strip() != "[":
            lines.append(line.rstrip())
            line = indent
        line += piece
    return "\n".join(lines + [line])


def _form(form: dict) -> str:
    gram = _wrapped([f"({i}, {j}, {_q(c)})" for i, j, c in form["gram"]], "     ")
    values = _wrapped([f"({k}, {_q(c)})" for k, c in form["values"]], "     ")
    return f"({gram},\n    {values},\n    {_q(form['constant'])})"


PRELUDE = """\
From Coq Require Import QArith List.
Import ListNotations.
Open Scope Q_scope.

(* A form reads <H, G> + a.F + c: H as sparse (i, j, c) over the Gram matrix G of the leaf points, a as
   sparse (k, c) over the leaf function values F, and the constant c. *)
Definition form := (list (nat * nat * Q) * list (nat * Q) * Q)%type.

Fixpoint add_at (v : list Q) (k : nat) (c : Q) : list Q :=
  match v, k with
  | [], _ => []
  | x :: t, O => Qred (x + c) :: t
  | x :: t, S k' => x :: add_at t k' c
  end.

Fixpoint add_lists (u v : list Q) : list Q :=
  match u, v with
  | x :: u', y :: v' => Qred (x + y) :: add_lists u' v'
  | _, _ => []
  end.

Fixpoint same (u v : list Q) : bool :=
  match u, v with
  | [], [] => true
  | x :: u', y :: v' => Qeq_bool x y && same u' v'
  | _, _ => false
  end.

(* w times a form's Gram part added to a flat n x n matrix (entry (i, j) at i * n + j) *)
Definition add_gram (n : nat) (m : list Q) (w : Q) (g : list (nat * nat * Q)) : list Q :=
  fold_left (fun acc e => match e with (i, j, c) => add_at acc (i * n + j) (w * c) end) g m.

Definition add_values (v : list Q) (w : Q) (a : list (nat * Q)) : list Q :=
  fold_left (fun acc e => match e with (k, c) => add_at acc k (w * c) end) a v.

Definition gram_of (f : form) := match f with (g, _, _) => g end.
Definition values_of (f : form) := match f with (_, a, _) => a end.
Definition constant_of (f : form) := match f with (_, _, c) => c end.

Definition outer (d : Q) (l : list Q) : list Q := flat_map (fun li => map (fun lj => d * li * lj) l) l.

(* The certificate's data: indices are nat, the rational p/q is q (p) q. *)
Definition q (p : Z) (d : positive) : Q := Qmake p d.
Close Scope Q_scope.
"""

CHECKS = """\
Open Scope Q_scope.

Definition zeros (k : nat) : list Q := repeat 0 k.

Definition signs_ok : bool :=
  forallb (fun ineq => Qle_bool 0 (fst ineq)) inequalities && forallb (fun f => Qle_bool 0 (fst f)) ldlt.

Definition values_ok : bool :=
  same (fold_left (fun acc ineq => add_values acc (fst ineq) (values_of (snd ineq))) inequalities (zeros m))
       (add_values (zeros m) 1 (values_of objective)).

Definition residual_ok : bool :=
  same (fold_left (fun acc ineq => add_gram n acc (fst ineq) (gram_of (snd ineq))) inequalities
                  (add_gram n (zeros (n * n)) (-1) (gram_of objective)))
       (concat residual).

Definition ldlt_ok : bool :=
  same (fold_left (fun acc f => add_lists acc (outer (fst f) (snd f))) ldlt (zeros (n * n))) (concat residual).

Definition bound_ok : bool :=
  Qeq_bool (constant_of objective - fold_left (fun acc ineq => acc + fst ineq * constant_of (snd ineq))
                                                inequalities 0) bound
  && Qeq_bool (factor * bound) upper_bound.

Definition certificate_checks : bool :=
  signs_ok && values_ok && residual_ok && ldlt_ok && bound_ok && claim_ok.

Lemma certificate_holds : certificate_checks = true.
Proof. vm_compute. reflexivity. Qed.
"""


def coq_replay(document: dict) -> str:
    """The Coq file for a certificate document (``mdtheory.worstcase.certificate_document``)."""
    claim, certificate = document["claim"], document["certificate"]
    claimed = claim["claimed_at_T"]
    inequalities = ";\n\n  ".join(f"(* {_label(inequality['which'])} *)\n  ({_q(inequality['multiplier'])},\n   "
                                  f"{_form(inequality['form'])})" for inequality in certificate["inequalities"])
    residual = _wrapped([_wrapped([_q(c) for c in row], "    ") for row in certificate["residual"]], "   ")
    ldlt = _wrapped([f"({_q(f['d'])}, {_wrapped([_q(c) for c in f['l']], '      ')})" for f in certificate["ldlt"]],
                    "   ")
    header = (f"(* Generated by mdtheory from {document['source']} ({document['schema']}); do not edit.\n"
              f"   Regenerate: mdtheory worst-case {document['source']} --certificate DIR.\n"
              f"   Claim: {_comment(claim['statement'])}.\n"
              f"   Coq replays the certificate's arithmetic (docs/certificates.md says what that proves). *)\n\n")
    return (header + PRELUDE + "\n"
            f"Definition n : nat := {certificate['points']}.  (* leaf points *)\n"
            f"Definition m : nat := {certificate['values']}.  (* leaf function values *)\n"
            f"Definition objective : form :=\n  {_form(certificate['objective'])}.\n\n"
            f"(* (multiplier, inequality form <= 0); the first is the initial condition *)\n"
            f"Definition inequalities : list (Q * form) := [\n  {inequalities}].\n\n"
            f"Definition residual : list (list Q) :=\n  {residual}.\n\n"
            f"(* residual = sum of d * l l^T over (d, l) *)\n"
            f"Definition ldlt : list (Q * list Q) :=\n  {ldlt}.\n\n"
            f"Definition bound : Q := {_q(certificate['bound'])}.\n"
            f"Definition factor : Q := {_q(certificate['factor'])}.\n"
            f"Definition upper_bound : Q := {_q(claim['upper_bound'])}.\n"
            + (f"Definition claimed : Q := {_q(claimed)}.\n"
               "Definition claim_ok : bool := Qle_bool upper_bound claimed.\n\n" if claimed is not None else
               "Definition claim_ok : bool := true.  (* no claimed value: the certificate proves upper_bound *)\n\n")
            + CHECKS)


def _comment(text: str) -> str:
    """Text safe inside a Coq comment (x*) would close it)."""
    return text.replace("*)", "* )").replace("(*", "( *")


def _label(which) -> str:
    if which == "initial condition":
        return which
    return f"function {which['function']}, points {which['i']} and {which['j']}"


def coq_replays_every_t(document: dict) -> dict[str, str]:
    """A proof for every T (schema mdtheory-every-t-certificate/1, docs/every-t.md) as one Coq file per part,
    {part name: file text}: each part is a certificate of "objective <= 0" of the same form (no initial
    condition; bound and upper bound 0), replayed by the same checks. The parts' objectives and the induction
    that joins them are ``proofs/check_every_t.py``'s and docs/every-t.md's, not Coq's."""
    claim, replays = document["claim"], {}
    for part in document["parts"]:
        certificate = {key: part[key] for key in ("points", "values", "objective", "inequalities", "residual", "ldlt")}
        wrapped = {"source": document["source"], "schema": document["schema"],
                   "claim": {"statement": f"{part['name']} part ({part['proves']}) of: {claim['statement']}",
                             "claimed_at_T": None, "upper_bound": "0"},
                   "certificate": {**certificate, "bound": "0", "factor": "1"}}
        replays[part["name"]] = coq_replay(wrapped)
    return replays
