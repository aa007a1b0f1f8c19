"""Training sentences, generated combinatorially from templates and word lists written for this project.

The lists are chosen for articulation coverage: plenty of bilabials (p b m), labiodentals (f v), rounded
vowels and w, open vowels, sibilants and dentals, in statements, questions, exclamations and lists, short and
long. `sentences(n, seed)` is deterministic. None of it comes from a dataset.
"""

from __future__ import annotations

import random

NAMES = [
    "Maya", "Bob", "Fiona", "Victor", "Paula", "Owen", "Ruby", "Walter", "Bella", "Felix", "Molly", "Vera",
    "Peter", "Mabel", "Oscar", "Wendy", "Boris", "Phoebe", "Marvin", "Yusuf", "Luna", "Theo", "Hannah", "Kofi",
    "Ivy", "George", "Nadia", "Sam", "Zoe", "Arthur", "Judith", "Elmo",
]
PEOPLE = [
    "my brother", "the baker", "our neighbour", "the pilot", "your mother", "the film crew", "a farmer",
    "the police officer", "my boss", "the museum guide", "the woman from the bank", "a few volunteers",
    "the old fisherman", "her father", "the new movie star", "the bus driver", "the ferry captain",
    "the plumber", "my favourite aunt", "the whole family",
]
VERBS_PAST = [
    "bought", "moved", "found", "fixed", "painted", "brought", "opened", "borrowed", "folded", "mopped",
    "photographed", "wrapped", "served", "polished", "buried", "forgot", "approved", "improved", "shipped",
    "packed", "grabbed", "ordered", "measured", "removed", "swapped", "followed", "pushed", "pulled",
    "carved", "loved", "washed", "booked",
]
VERBS_BASE = [
    "buy", "move", "find", "fix", "paint", "bring", "open", "borrow", "fold", "mop", "wrap", "serve",
    "polish", "approve", "improve", "ship", "pack", "grab", "order", "measure", "remove", "swap", "follow",
    "push", "pull", "carve", "wash", "book", "visit", "prove",
]
OBJECTS = [
    "the blue umbrella", "a bowl of soup", "the broken window", "five purple balloons", "the map of Boston",
    "a box of old photos", "the wooden boat", "my favourite movie", "a bottle of milk", "the brown suitcase",
    "a pair of warm boots", "the huge pumpkin", "the piano", "twelve fresh muffins", "the moon map",
    "a few rubber ducks", "the velvet pillow", "a loaf of bread", "the heavy wooden box", "a pound of plums",
    "the bamboo flute", "the bicycle pump", "a new phone", "the summer menu", "a very famous painting",
    "the pool table", "two cups of coffee", "the vacuum cleaner", "a bunch of flowers", "the wool sweater",
]
PLACES = [
    "in the kitchen", "by the pool", "at the museum", "near the harbour", "on the boat", "under the bridge",
    "at the post office", "in the garden", "behind the barn", "upstairs", "at the food market",
    "in the movie theatre", "by the window", "on the roof", "at the bus stop", "in the forest",
    "outside the police station", "at the zoo", "by the fountain", "in the valley",
]
TIMES = [
    "yesterday", "this morning", "last summer", "every Monday", "before the movie", "after lunch",
    "on Friday evening", "two weeks ago", "at midnight", "in November", "at five o'clock", "tomorrow",
    "before breakfast", "every few months", "later this afternoon",
]
ADJECTIVES = [
    "beautiful", "awful", "perfect", "boring", "wonderful", "enormous", "smooth", "fabulous", "gloomy",
    "brave", "polite", "foolish", "famous", "mellow", "remarkable", "obvious", "powerful", "awkward",
    "cool", "peaceful", "bumpy", "wobbly", "funny", "moody",
]
FEELINGS = [
    "happy", "worried", "furious", "bored", "amazed", "proud", "puzzled", "relieved", "frightened",
    "thrilled", "miserable", "overjoyed", "calm", "embarrassed",
]
NUMBERS = ["one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "twenty", "fifty"]
INTERJECTIONS = ["Oh", "Wow", "Well", "Hmm", "Oops", "Whoa", "Boo", "Oh boy", "My goodness", "Phew", "Uh oh"]
REPLIES = [
    "Maybe later.", "Please move over.", "Oh, of course!", "Why not?", "Very funny.", "Who knows?",
    "Not before five.", "Let me think about it.", "Beautiful work, everybody.", "Move, move, move!",
    "Of course, my friend.", "Wow, what a view!", "Follow me, please.", "Whoa, wait for me!",
    "Over my dead body.", "I'm afraid not.", "Be brave.", "Yes, please.", "No, thank you.",
    "Mmm, that smells wonderful.", "Vroom, off we go!", "Boom, problem solved.", "Who wants more pie?",
]

TEMPLATES = [
    "{name} {verb_past} {obj} {place}.",
    "{name} {verb_past} {obj} {time}.",
    "{Person} {verb_past} {obj} {place} {time}.",
    "Did {name} really {verb} {obj} {time}?",
    "Why would {person} {verb} {obj} {place}?",
    "Could you please {verb} {obj} before {name} arrives?",
    "I think {person} {verb_past} {obj}, but {name} was not sure.",
    "{Interjection}, that was {adj}!",
    "{Interjection}! {Person} {verb_past} {obj} {place}.",
    "We were {feeling} when {name} {verb_past} {obj}.",
    "{Name} felt {feeling} {time}, so we {verb_past} {obj}.",
    "There were {number} of us {place}, and everybody was {feeling}.",
    "The weather was {adj} {time}, so {person} stayed {place}.",
    "If you {verb} {obj}, {name} will be {feeling}.",
    "Remember to {verb} {obj} {time}, or {person} will be {feeling}.",
    "{Name}, {person}, and {name2} {verb_past} {obj} {place}.",
    "What a {adj} idea, {name}!",
    "Honestly, {obj} looked {adj} {place}.",
    "{Name} said, {reply}",
    "{reply}",
    "{Time}, {person} {verb_past} {number} things {place}.",
    "Would you {verb} {obj} for me, {name}?",
    "Nobody expected {person} to {verb} {obj} {place}.",
    "My first memory is of {person} {place}, looking {adj} and {feeling}.",
    "Maybe we should {verb} {obj} {time} instead of waiting {place}.",
    "{Person} was {feeling}; the movie was {adj}, and the popcorn was {adj2}.",
]


def _cap(s: str) -> str:
    return s[:1].upper() + s[1:]


def _fill(template: str, rng: random.Random) -> str:
    name, name2 = rng.sample(NAMES, 2)
    adj, adj2 = rng.sample(ADJECTIVES, 2)
    values = {
        "name": name, "name2": name2, "person": rng.choice(PEOPLE), "verb_past": rng.choice(VERBS_PAST),
        "verb": rng.choice(VERBS_BASE), "obj": rng.choice(OBJECTS), "place": rng.choice(PLACES),
        "time": rng.choice(TIMES), "adj": adj, "adj2": adj2, "feeling": rng.choice(FEELINGS),
        "number": rng.choice(NUMBERS), "interjection": rng.choice(INTERJECTIONS), "reply": rng.choice(REPLIES),
    }
    values.update({_cap(k): _cap(v) for k, v in list(values.items())})
    return template.format(**values)


def sentences(n: int, seed: int = 0, exclude: set[str] | frozenset[str] = frozenset()) -> list[str]:
    """n distinct sentences (fewer only if the lists run out), deterministic for a seed; sentences in
    `exclude` (e.g. the evaluator's held-out set) are never produced."""
    rng = random.Random(seed)
    seen: set[str] = set()
    out: list[str] = []
    blocked = {s.strip().lower() for s in exclude}
    tries = 0
    while len(out) < n and tries < 50 * n + 1000:
        tries += 1
        s = _fill(rng.choice(TEMPLATES), rng)
        key = s.lower()
        if key in seen or key in blocked:
            continue
        seen.add(key)
        out.append(s)
    return out
