"""The words the embedded engine knows, kept here so they are read, reviewed and extended like code.

Nouns name what becomes a card (characters, locations, props); modifiers are the words that describe
one (age, colour, build, material ...); the rest set the scene (weather, time of day, mood, genre,
camera). Entries are lower case; a phrase of several words wins over its parts ("lighthouse keeper"
is one character, not a location and a person).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from craftology.projects.models import CardKind


@dataclass(frozen=True)
class Noun:
    kind: CardKind
    name: str  # the card's name
    attributes: dict[str, str] = field(default_factory=dict)  # what the word itself says


def _each(kind: CardKind, words: str, **attributes: str) -> dict[str, Noun]:
    return {word: Noun(kind, word, dict(attributes)) for word in words.split(",") if word}


_C, _L, _P = CardKind.CHARACTER, CardKind.LOCATION, CardKind.PROP

NOUNS: dict[str, Noun] = {
    **_each(
        _C,
        "man,woman,boy,girl,child,kid,teenager,baby,grandmother,grandfather,mother,father,"
        "chef,runner,hiker,climber,cyclist,skater,surfer,swimmer,dancer,singer,musician,drummer,"
        "guitarist,detective,police officer,soldier,knight,princess,prince,king,queen,witch,wizard,"
        "pirate,sailor,captain,fisherman,farmer,doctor,nurse,teacher,student,scientist,astronaut,"
        "pilot,driver,cowboy,ninja,samurai,monk,priest,thief,spy,painter,writer,photographer,"
        "athlete,boxer,barista,waiter,mechanic,engineer,explorer,traveler,traveller,stranger,"
        "villain,hero,heroine,robot,android,alien,ghost,vampire,zombie,monster,couple,family,"
        "customer,shopkeeper,lighthouse keeper,keeper",
    ),
    **_each(
        _C,
        "cat,kitten,dog,puppy,fox,wolf,bear,horse,owl,bird,seagull,crow,rabbit,mouse,deer,"
        "dragon,whale,dolphin,fish,lion,tiger,elephant,monkey,penguin,unicorn",
        species="animal",
    ),
    **_each(
        _L,
        "lighthouse,coast,cliff,cliffs,beach,shore,harbour,harbor,port,sea,ocean,island,"
        "forest,woods,jungle,desert,mountain,mountains,valley,meadow,field,farm,river,lake,"
        "waterfall,cave,city,street,alley,rooftop,village,town,market,kitchen,office,studio,"
        "classroom,school,hospital,library,museum,church,temple,castle,palace,tower,dungeon,"
        "bar,cafe,diner,restaurant,apartment,house,cabin,garden,park,stadium,gym,garage,"
        "warehouse,factory,laboratory,lab,spaceship,space station,planet,moon,train station,"
        "subway,highway,road,bridge,track,trail,ridge,glacier,swamp,tavern,ship deck,"
        "coffee shop,city street,living room,bedroom,night club,concert hall,deep space",
    ),
    **_each(
        _P,
        "boat,ship,car,truck,bike,bicycle,motorcycle,train,plane,rocket,shoes,sneakers,boots,"
        "watch,phone,camera,guitar,piano,violin,lantern,lamp,candle,umbrella,sword,shield,bow,"
        "gun,book,letter,map,key,ring,necklace,hat,scarf,coat,jacket,bag,backpack,suitcase,"
        "bottle,cup,mug,coffee,tea,pasta,cake,bread,pizza,burger,apple,flowers,rose,gift,box,"
        "chair,table,clock,radio,television,computer,laptop,tablet,headphones,perfume,"
        "lipstick,sunglasses,ball,kite,balloon,telescope,compass,anchor,net,rope,wand,crown,"
        "potion,helmet,drone,skateboard,surfboard,paddle,oar,fishing rod,teddy bear,"
        "engagement ring,product",
    ),
}
for _plural, _singular in (("cliffs", "cliff"), ("mountains", "mountain"), ("woods", "forest")):
    NOUNS[_plural] = NOUNS[_singular]

# What some nouns bring with them: a keeper has a lighthouse, a fisherman a harbour.
IMPLIED: dict[str, tuple[str, ...]] = {
    "lighthouse keeper": ("lighthouse",),
    "fisherman": ("harbour",),
    "astronaut": ("space station",),
    "barista": ("coffee shop",),
    "chef": ("kitchen",),
    "surfer": ("beach",),
}
# Where some places stand: a lighthouse on a coast (a coast or sea the brief names is this place).
SURROUNDINGS: dict[str, str] = {
    "lighthouse": "on a rocky coast by the sea",
    "harbour": "on the open sea",
    "harbor": "on the open sea",
    "cliff": "above the sea",
    "beach": "by the sea",
    "island": "in the open sea",
    "planet": "under an alien sky",
    "castle": "on a hilltop above a valley",
    "cabin": "in the woods",
}


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


def _phrases(text: str) -> list[str]:
    return [phrase.strip() for phrase in text.split(",")]


def _pairs(text: str) -> dict[str, str]:
    """ "word: value, other word: other value" as a dict, in order."""
    return {key.strip(): value.strip() for key, _, value in (item.partition(":") for item in text.split(","))}


# Modifiers by the attribute they describe.
AGES = _pairs(
    "old: old, elderly: elderly, aged: old, young: young, teenage: teenage, little: child, "
    "middle-aged: middle-aged, ancient: ancient, newborn: newborn"
)
BUILDS = _pairs(
    "tall: tall, short: short, thin: thin, slender: slender, stocky: stocky, muscular: muscular, "
    "athletic: athletic, frail: frail, hunched: hunched, plump: plump, fat: stout, skinny: thin, "
    "broad: broad-shouldered"
)
COLOURS = _words(
    "auburn beige black blond blonde blue bronze brown copper crimson dark ginger gold golden "
    "gray green grey ivory navy orange pale pink purple red rusty scarlet silver spotted striped "
    "tabby teal turquoise violet weathered white yellow"
)
SIZES = _words("big enormous giant huge large little massive miniature small tiny")
MATERIALS = _words(
    "brass canvas ceramic cotton crystal denim glass iron leather marble mesh metal paper plastic "
    "rubber silk steel stone velvet wooden wool woolen woollen"
)
SHAPES = _words(
    "antique battered broken chunky curved flat futuristic modern narrow retro rickety round "
    "rusty shiny sleek slim square tall vintage worn"
)
# Character traits that are not appearance (kept as personality, which regenerates nothing).
TRAITS = _words(
    "angry brave cheerful curious determined fierce gentle grumpy kind lonely loyal mysterious "
    "nervous playful proud quiet sad shy stubborn tired wise"
)
# What follows "with" / "wearing": body features become appearance, clothes the wardrobe.
BODY = _words(
    "bald beard braid eyes face feathers freckles fur glasses hair hands horns mane moustache "
    "mustache ponytail scar skin smile tail tattoo whiskers wings"
)
CLOTHES = _words(
    "apron armor armour boots cap cloak coat dress gloves gown hat helmet hoodie jacket jeans "
    "jumper oilskin overalls raincoat robe scarf shirt shoes shorts skirt sneakers spacesuit suit "
    "sweater tie trench uniform vest"
)
ATTACH = _words("has having in wearing with")
# The scene: weather, time of day, mood, and what each brings to light and palette.
WEATHER = _pairs(
    "storm: storm, stormy: storm, thunderstorm: thunderstorm, thunder: thunderstorm, lightning: "
    "lightning storm, rain: rain, rainy: rain, raining: rain, snow: snow, snowy: snow, snowing: "
    "snow, blizzard: blizzard, fog: fog, foggy: fog, mist: mist, misty: mist, wind: wind, windy: "
    "wind, gale: gale, hurricane: hurricane, sunny: sunshine, sunshine: sunshine, cloudy: "
    "overcast, overcast: overcast, drizzle: drizzle, hail: hail, heatwave: heat haze, sandstorm: "
    "sandstorm, waves: heavy seas"
)
TIMES = _pairs(
    "dawn: dawn, sunrise: sunrise, morning: morning, noon: midday, midday: midday, afternoon: "
    "afternoon, dusk: dusk, sunset: sunset, twilight: twilight, evening: evening, night: night, "
    "nighttime: night, midnight: midnight, golden hour: golden hour, blue hour: blue hour"
)
MOODS = _pairs(
    "moody: moody, melancholy: melancholic, melancholic: melancholic, sad: melancholic, hopeful: "
    "hopeful, joyful: joyful, happy: joyful, cheerful: joyful, tense: tense, suspenseful: tense, "
    "eerie: eerie, creepy: eerie, scary: eerie, dark: dark, romantic: romantic, epic: epic, calm: "
    "calm, peaceful: calm, serene: calm, energetic: energetic, playful: playful, nostalgic: "
    "nostalgic, dramatic: dramatic, whimsical: whimsical, lonely: lonely, cozy: cozy, cosy: cozy, "
    "gritty: gritty, dreamy: dreamy, heartwarming: heartwarming"
)
WEATHER_MOOD = _pairs(
    "storm: turbulent, thunderstorm: turbulent, lightning storm: turbulent, hurricane: turbulent, "
    "gale: turbulent, rain: melancholic, drizzle: melancholic, snow: hushed, blizzard: harsh, "
    "fog: mysterious, mist: mysterious, sunshine: bright, overcast: subdued, heavy seas: "
    "turbulent, sandstorm: harsh, heat haze: sweltering, wind: restless, hail: harsh"
)
LIGHTING = _pairs(
    "night: moonlight and practical lights, midnight: moonlight and practical lights, dusk: low "
    "warm sun, sunset: low warm sun, golden hour: low warm sun, dawn: soft cool first light, "
    "sunrise: soft cool first light, twilight: blue dusk light, blue hour: blue dusk light, "
    "evening: fading warm light, morning: fresh daylight, midday: hard overhead sun, afternoon: "
    "warm daylight"
)
WEATHER_LIGHT = _pairs(
    "storm: flashes of lightning under dark clouds, thunderstorm: flashes of lightning, lightning "
    "storm: flashes of lightning, fog: diffuse grey light, mist: diffuse grey light, rain: wet "
    "reflections, snow: soft white bounce, sunshine: bright sun, overcast: flat grey light"
)
MOOD_PALETTE = _pairs(
    "turbulent: slate grey, storm blue and lamp amber, melancholic: muted blues and greys, "
    "mysterious: desaturated greens and greys, bright: saturated warm colours, joyful: bright "
    "primaries, calm: soft pastels, eerie: sickly greens and deep shadow, dark: deep blacks and "
    "cold highlights, romantic: rose and warm gold, epic: rich golds and deep blues, nostalgic: "
    "faded warm film tones, tense: high-contrast cool tones, energetic: punchy saturated colours, "
    "hushed: cold whites and blue shadow, harsh: bleached and cold"
)
# What kind of piece the brief asks for, and looks it may name.
GENRES = _pairs(
    "ad: commercial, advert: commercial, advertisement: commercial, commercial: commercial, "
    "promo: commercial, film: short film, movie: short film, short film: short film, story: short "
    "film, trailer: trailer, music video: music video, documentary: documentary, explainer: "
    "explainer, recipe: recipe video, tutorial: explainer, teaser: trailer, animation: animated "
    "short, cartoon: animated short, anime: animated short"
)
LOOKS = tuple(
    _phrases(
        "noir, cinematic, anime, watercolor, watercolour, pixar, claymation, documentary, vintage, "
        "retro, cyberpunk, steampunk, minimalist, surreal, black and white, hand-drawn, "
        "photorealistic, pastel, neon, gothic, western, sci-fi, fantasy, handheld, 16mm, 35mm, vhs, "
        "stop-motion, comic, oil painting, low-poly"
    )
)
HANDHELD = _words("documentary hand-held handheld shaky")
# Words that end a run of modifiers.
STOP = _words(
    "a about across after against an and are as at be before by during for from he her his in "
    "into is it its my near of on onto or our over she that the their these they this those "
    "through to under was we were which while who with your"
)
NUMBERS = {
    word: int(value)
    for word, value in _pairs(
        "one: 1, two: 2, three: 3, four: 4, five: 5, six: 6, seven: 7, eight: 8, nine: 9, ten: 10, "
        "eleven: 11, twelve: 12, fifteen: 15, twenty: 20, thirty: 30, forty: 40, forty-five: 45, "
        "fifty: 50, sixty: 60, ninety: 90"
    ).items()
}
