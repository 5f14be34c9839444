"""Vietnamese petition texts for the benchmarks: people, places, and a petition per topic.

Templates per topic (land boundaries, compensation, schools, roads, pollution, social policy,
conduct of officials, …) with alternatives in brackets, filled with real commune names,
fictional people, places, dates and amounts (`compose`). The generator (`bench/generate.py`)
writes a million of them; the HTTP and similar-case stages draw their requests and queries
from the same templates.
"""

import random
import re

FAMILY = [
    "Nguyễn",
    "Trần",
    "Lê",
    "Phạm",
    "Hoàng",
    "Huỳnh",
    "Phan",
    "Vũ",
    "Võ",
    "Đặng",
    "Bùi",
    "Đỗ",
    "Hồ",
    "Ngô",
    "Dương",
    "Lý",
    "Đinh",
    "Trịnh",
]
MIDDLE = [
    "Văn",
    "Thị",
    "Hữu",
    "Đức",
    "Minh",
    "Thanh",
    "Ngọc",
    "Quang",
    "Xuân",
    "Thu",
    "Hồng",
    "Kim",
    "Công",
    "Bá",
    "Duy",
]
GIVEN = [
    "An",
    "Bình",
    "Cường",
    "Dũng",
    "Giang",
    "Hà",
    "Hải",
    "Hạnh",
    "Hòa",
    "Hùng",
    "Hương",
    "Khánh",
    "Lan",
    "Linh",
    "Long",
    "Mai",
    "Nam",
    "Nga",
    "Phong",
    "Phúc",
    "Quân",
    "Sơn",
    "Tâm",
    "Thảo",
    "Thắng",
    "Trang",
    "Tuấn",
    "Việt",
    "Yến",
    "Đông",
    "Huệ",
    "Lộc",
    "Nhung",
    "Oanh",
    "Quyết",
    "Tùng",
    "Vinh",
]
PLACE = [
    "Đông Hải",
    "Tây Sơn",
    "Nam Hòa",
    "Bắc Sơn",
    "Thượng Lâm",
    "Hạ Long",
    "Trung Hậu",
    "An Lạc",
    "Phú Thái",
    "Đầm Chợ",
    "Cổ Dũng",
    "Tân Lập",
    "Hòa Bình",
    "Thanh Xuân",
    "Đồng Tâm",
    "Yên Lạc",
    "Kim Sơn",
    "Hưng Đạo",
    "Quyết Tiến",
    "Bình Minh",
    "Tiền Phong",
    "Vĩnh Phúc",
    "Lam Sơn",
    "Tràng An",
    "Hồng Phong",
    "Cẩm Hưng",
    "Cẩm Chế",
    "Đại Đồng",
    "Phù Vân",
    "Lạc Long",
    "Mỹ Lộc",
    "Thạch Bàn",
    "Gia Khánh",
    "Nghĩa Hưng",
    "Ninh Xá",
    "Quảng Phú",
]
ROAD_KIND = ["đường liên xã", "đường trục thôn", "đường tỉnh", "đường nội đồng", "ngõ"]
SCHOOL_KIND = ["Trường Mầm non", "Trường Tiểu học", "Trường Trung học cơ sở", "Trường THPT"]
HAMLET_KIND = ["thôn", "xóm", "khu dân cư", "tổ dân phố", "ấp", "khu phố"]

# [a|b] picks one alternative, so that no sentence is the same in every petition.
OPENERS = [
    "[Tôi là|Tôi tên là|Tên tôi là] {name}, [sinh năm|năm sinh] {born}, [trú tại|cư trú tại|"
    "hiện ở] {hamlet}, {commune}.",
    "Chúng tôi [gồm|là] {k} hộ [dân|gia đình] [đang sinh sống|cư trú|có đất] tại {hamlet}, "
    "{commune}.",
    "[Kính gửi|Kính thưa] {agency}. [Tôi tên là|Tôi là] {name}, [hiện cư trú ở|thường trú tại] "
    "{hamlet}, {commune}.",
    "Gia đình tôi, do [ông|bà] {name} làm chủ hộ, có [nhà|đất] ở số {num} {road} {place}, "
    "{commune}.",
    "Thay mặt [các hộ dân|bà con|nhân dân] {hamlet}, tôi là {name} xin [trình bày|báo cáo|"
    "phản ánh] [sự việc|nội dung] như sau.",
    "Tôi [tên|là] {name}, [số điện thoại|điện thoại liên hệ|SĐT] {phone}, [thường trú|tạm trú|"
    "ở] tại {hamlet}, {commune}.",
    "Ngày {date}, [tôi|chúng tôi] {name} [có đơn gửi|đã gửi đơn đến|đã trình bày với] {agency}.",
]
CLOSERS = [
    "[Đề nghị|Kính đề nghị|Kiến nghị] {agency} [xem xét|kiểm tra], [giải quyết dứt điểm|"
    "xử lý triệt để|giải quyết] và trả lời bằng văn bản [cho chúng tôi|cho gia đình tôi|].",
    "Kính mong [lãnh đạo|Chủ tịch] {agency} sớm [kiểm tra thực tế|xuống hiện trường|"
    "chỉ đạo làm rõ] và có hướng xử lý.",
    "Chúng tôi đã [nhiều lần|{n} lần] kiến nghị từ năm {year} nhưng [đến nay|tới nay|vẫn] "
    "chưa được [trả lời|giải quyết|xem xét].",
    "Rất mong được [các cấp có thẩm quyền|chính quyền|các cơ quan chức năng] quan tâm giải "
    "quyết [để người dân yên tâm sinh sống|sớm|dứt điểm].",
    "Tôi xin chịu trách nhiệm về [nội dung trình bày trên|những điều đã nêu] và mong sớm "
    "nhận được [phản hồi|trả lời|kết quả].",
    "[Đề nghị|Mong] [tổ chức đối thoại|gặp gỡ, đối thoại] với người dân để làm rõ trước "
    "ngày {date}.",
    "Xin [trân trọng cảm ơn|cảm ơn|chân thành cảm ơn] [quý cơ quan|lãnh đạo|các đồng chí].",
]
BODY = {
    "land": [
        "Ranh giới giữa thửa đất số {n} tờ bản đồ số {m} của gia đình tôi và khu dân cư mới "
        "{place} bị đo vẽ sai so với thực địa khoảng {area} m².",
        "Năm {year}, xã cấp giấy chứng nhận quyền sử dụng đất cho hộ bên cạnh chồng lấn lên "
        "phần đất gia đình tôi sử dụng ổn định từ trước năm {old}.",
        "Hồ sơ xin cấp giấy chứng nhận nộp tại bộ phận một cửa từ ngày {date} đến nay đã quá "
        "hạn {n} tháng mà chưa được giải quyết.",
        "Một số hộ tự ý san lấp, xây tường rào lấn chiếm đất hành lang {road} {place}.",
        "Việc chuyển mục đích sử dụng {area} m² đất vườn sang đất ở bị yêu cầu nộp tiền cao "
        "hơn mức người dân được thông báo.",
        "Cán bộ địa chính xã hẹn nhiều lần đến đo đạc lại nhưng không đến, gây bức xúc kéo dài.",
        "Bản đồ địa chính năm {old} và sổ mục kê ghi diện tích khác nhau tới {area} m².",
        "Đất nông nghiệp giao theo Nghị định 64 tại xứ đồng {place} đến nay vẫn chưa được cấp "
        "đổi giấy chứng nhận.",
    ],
    "compensation": [
        "Dự án {project} thu hồi {area} m² đất nông nghiệp của gia đình tôi nhưng đơn giá bồi "
        "thường thấp hơn giá thị trường nhiều lần.",
        "Tiền hỗ trợ chuyển đổi nghề nghiệp và tìm kiếm việc làm đến nay vẫn chưa được chi trả "
        "đủ, còn thiếu {money} triệu đồng.",
        "Các hộ bị thu hồi đất ở chưa được bố trí tái định cư dù dự án đã thi công từ năm {year}.",
        "Biên bản kiểm đếm ngày {date} bỏ sót {n} cây ăn quả và công trình phụ trên đất.",
        "Phương án bồi thường không được niêm yết công khai tại nhà văn hóa {hamlet} "
        "theo quy định.",
        "Khu tái định cư {place} chưa có đường điện, nước sạch và hệ thống thoát nước.",
        "Chủ đầu tư dự án {project} hứa hỗ trợ thêm nhưng không có văn bản cam kết.",
        "Giá đất tính bồi thường năm {year} chưa điều chỉnh theo bảng giá mới của tỉnh.",
    ],
    "education": [
        "{school} {place} thu nhiều khoản ngoài quy định, mỗi học sinh khoảng {money} trăm nghìn "
        "đồng mỗi năm.",
        "Phòng học của {school} {place} xuống cấp nghiêm trọng, mùa mưa bị dột và thấm nước.",
        "Giáo viên hợp đồng tại {school} {place} chưa được xét chuyển chức danh nghề nghiệp dù "
        "đã đủ {n} năm công tác.",
        "Con em chúng tôi phải đi học xa hơn {n} km vì điểm trường lẻ {hamlet} bị sáp nhập.",
        "Việc tuyển sinh lớp 6 năm học {year} không công khai tiêu chí phân tuyến.",
        "Chế độ hỗ trợ tiền ăn trưa cho học sinh vùng khó khăn chậm chi trả {n} tháng.",
        "Nhà vệ sinh và bếp ăn bán trú của {school} {place} không bảo đảm vệ sinh.",
        "Đề nghị bố trí thêm giáo viên tiếng Anh và tin học cho {school} {place}.",
    ],
    "infrastructure": [
        "Tuyến {road} {place} – {place2} dài {n} km xuống cấp, nhiều ổ gà gây tai nạn.",
        "Cống thoát nước tại {hamlet} bị tắc, mỗi khi mưa lớn nước tràn vào nhà dân.",
        "Cầu dân sinh qua kênh {place} đã hư hỏng từ năm {year} nhưng chưa được sửa chữa.",
        "Hệ thống đèn chiếu sáng công cộng trên {road} {place} không hoạt động đã {n} tháng.",
        "Công trình nâng cấp {road} {place} thi công kéo dài, vật liệu đổ tràn lòng đường.",
        "Nhân dân đã góp {money} triệu đồng làm đường bê tông nhưng chưa được công khai thu chi.",
        "Trạm biến áp {hamlet} quá tải, điện chập chờn vào giờ cao điểm buổi tối.",
        "Nước sạch của nhà máy nước {place} có mùi lạ và thường xuyên mất nước.",
    ],
    "environment": [
        "Cơ sở chăn nuôi lợn quy mô lớn tại {hamlet} xả nước thải chưa qua xử lý ra kênh {place}.",
        "Bãi rác tập trung của {commune} quá tải, bốc mùi hôi thối ảnh hưởng {k} hộ dân.",
        "Xưởng tái chế nhựa hoạt động ban đêm gây tiếng ồn và khói bụi từ năm {year}.",
        "Xe chở đất đá của dự án {project} không che phủ, làm rơi vãi trên {road} {place}.",
        "Việc đốt rơm rạ sau thu hoạch tại xứ đồng {place} gây khói mù cho khu dân cư.",
        "Cá chết hàng loạt ở ao {place} sau khi công ty {project} xả thải ngày {date}.",
        "Khai thác cát trái phép trên sông {place} gây sạt lở bờ, đe dọa {n} nhà dân.",
        "Thu gom rác thải sinh hoạt không đúng lịch, rác tồn đọng nhiều ngày tại {hamlet}.",
    ],
    "policy": [
        "Gia đình tôi thuộc hộ cận nghèo năm {year} nhưng không được cấp thẻ bảo hiểm y tế.",
        "Chế độ cho người có công với cách mạng của bố tôi, ông {name2}, chưa được giải quyết.",
        "Danh sách hộ nghèo của {hamlet} năm {year} không được bình xét công khai.",
        "Trợ cấp xã hội hàng tháng cho người cao tuổi trên 80 tuổi bị cắt từ tháng {month}.",
        "Hỗ trợ thiệt hại do bão số {n} năm {year} chưa được chi trả đủ cho các hộ.",
        "Việc xét duyệt hỗ trợ nhà ở cho hộ nghèo không đúng đối tượng, có dấu hiệu thiên vị.",
        "Người lao động bị công ty {project} nợ lương {n} tháng và chưa đóng bảo hiểm xã hội.",
        "Hồ sơ hưởng chế độ bệnh binh nộp từ ngày {date} vẫn chưa có kết quả.",
    ],
    "official-conduct": [
        "Cán bộ bộ phận một cửa {commune} gây khó khăn, yêu cầu bổ sung giấy tờ không cần thiết.",
        "Trưởng {hamlet} tự ý thu tiền của các hộ mà không thông qua cuộc họp thôn.",
        "Việc tiếp công dân định kỳ của Chủ tịch {commune} không được thực hiện từ tháng {month}.",
        "Đơn của chúng tôi gửi ngày {date} bị chuyển qua lại giữa các phòng ban, không ai trả lời.",
        "Cán bộ địa chính có thái độ thiếu tôn trọng khi tiếp nhận hồ sơ của người dân.",
        "Kết luận thanh tra năm {year} về sai phạm tại {hamlet} chưa được thực hiện.",
    ],
    "public-order": [
        "Tình trạng đua xe trái phép trên {road} {place} diễn ra vào các buổi tối cuối tuần.",
        "Quán karaoke tại {hamlet} hoạt động quá giờ, gây mất trật tự khu dân cư.",
        "Một nhóm đối tượng cho vay nặng lãi đe dọa {k} hộ gia đình tại {hamlet}.",
        "Việc tụ tập đánh bạc tại khu vực chợ {place} chưa được xử lý dứt điểm.",
    ],
    "health": [
        "Trạm y tế {commune} thiếu thuốc thiết yếu, người bệnh phải tự mua ngoài.",
        "Thẻ bảo hiểm y tế của trẻ em dưới 6 tuổi tại {hamlet} cấp chậm {n} tháng.",
        "Bệnh viện huyện thu thêm chi phí ngoài danh mục bảo hiểm y tế chi trả.",
        "Đề nghị tổ chức tiêm chủng mở rộng tại điểm trường {hamlet} cho thuận tiện.",
    ],
}
BODY["other"] = BODY["policy"][:3] + BODY["public-order"][:2] + BODY["infrastructure"][:2]
# Everyday variation of common phrases, applied to every fact: people do not write alike.
SYNONYMS = {
    "chưa được": "[chưa được|vẫn chưa được|không được]",
    "gia đình tôi": "[gia đình tôi|nhà tôi|hộ gia đình tôi]",
    "người dân": "[người dân|nhân dân|bà con]",
    "đến nay": "[đến nay|tới nay|cho đến nay|đến thời điểm này]",
    "nghiêm trọng": "[nghiêm trọng|nặng|trầm trọng]",
    "không ": "[không|chẳng] ",
    "gây ": "[gây|làm] ",
    "tại ": "[tại|ở] ",
    "nhiều ": "[nhiều|rất nhiều] ",
}
for _facts in BODY.values():
    for _i, _fact in enumerate(_facts):
        for _plain, _alternatives in SYNONYMS.items():
            _fact = _fact.replace(_plain, _alternatives)
        _facts[_i] = _fact
PROJECTS = [
    "khu công nghiệp {place}",
    "khu đô thị mới {place}",
    "đường vành đai {n}",
    "cụm công nghiệp {place}",
    "mở rộng quốc lộ {n}",
    "trang trại điện mặt trời {place}",
]
TOPIC_WEIGHTS = {
    "land": 30,
    "compensation": 15,
    "policy": 12,
    "infrastructure": 12,
    "environment": 9,
    "education": 6,
    "official-conduct": 6,
    "public-order": 4,
    "health": 3,
    "other": 3,
}
KIND_WEIGHTS = {
    "recommendation": 40,
    "reflection": 32,
    "complaint": 18,
    "denunciation": 7,
    "mixed": 3,
}
CHANNEL_WEIGHTS = {
    "reception": 30,
    "mail": 22,
    "portal": 18,
    "dialogue_before": 12,
    "dialogue_floor": 8,
    "hotline": 6,
    "transfer_in": 4,
}
RETURNED_ANSWER = (
    "Nội dung không thuộc thẩm quyền; đã hướng dẫn công dân gửi đến cơ quan có thẩm quyền."
)
ANSWERS = [
    "Đã kiểm tra thực địa, kết quả được thông báo bằng văn bản cho người dân.",
    "UBND đã chỉ đạo các bộ phận chuyên môn khắc phục trong tháng.",
    "Nội dung kiến nghị không có cơ sở; đã giải thích, hướng dẫn công dân.",
    "Đã chi trả đủ khoản hỗ trợ còn thiếu theo phương án được phê duyệt.",
]


_ALTERNATIVES = re.compile(r"\[([^\[\]]*)\]")


def _pick(rng: random.Random, template: str) -> str:
    while "[" in template:  # innermost first: alternatives may nest
        template = _ALTERNATIVES.sub(lambda m: rng.choice(m.group(1).split("|")), template)
    return template


def lower_first(name: str) -> str:
    return name[:1].lower() + name[1:]


def person_name(rng: random.Random) -> str:
    return f"{rng.choice(FAMILY)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}"


def compose(rng: random.Random, topic: str, commune: str, name: str | None = None) -> str:
    """One petition's text: an opener, two to four facts of its topic, a request."""
    place, place2 = rng.sample(PLACE, 2)
    hamlet = f"{rng.choice(HAMLET_KIND)} {rng.choice(PLACE)}"
    if rng.random() < 0.3:
        hamlet = f"{rng.choice(HAMLET_KIND)} {rng.randint(1, 15)}"
    year = rng.randint(2012, 2024)
    slots = {
        "name": name or person_name(rng),
        "name2": person_name(rng),
        "born": rng.randint(1945, 2000),
        "hamlet": hamlet,
        "commune": commune,
        "agency": f"Ủy ban nhân dân {lower_first(commune)}",
        "k": rng.randint(5, 60),
        "num": rng.randint(1, 300),
        "road": rng.choice(ROAD_KIND),
        "place": place,
        "place2": place2,
        "phone": f"09{rng.randint(10_000_000, 99_999_999)}",
        "year": year,
        "old": rng.randint(1980, 2004),
        "date": f"{rng.randint(1, 28):02d}/{rng.randint(1, 12):02d}/{year}",
        "n": rng.randint(2, 40),
        "m": rng.randint(1, 60),
        "month": rng.randint(1, 12),
        "area": rng.randint(12, 2500),
        "money": rng.randint(2, 400),
        "school": rng.choice(SCHOOL_KIND),
    }
    slots["project"] = rng.choice(PROJECTS).format(**slots)
    facts = rng.sample(BODY[topic], rng.randint(2, min(4, len(BODY[topic]))))
    parts = [rng.choice(OPENERS), *facts, rng.choice(CLOSERS)]
    sentences = (" ".join(_pick(rng, part).format(**slots).split()) for part in parts)
    return " ".join(sentences).replace(" .", ".")
